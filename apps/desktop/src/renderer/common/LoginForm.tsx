import { useState, type FormEvent } from 'react';
import { desktopApi } from '../platform/desktop-api.ts';

const backendChangedKey = 'vox-backend-changed';

export interface LoginFormProps {
  title: string;
  /** Shown where the backend is not this page's origin (the Electron desktop). */
  askBackendUrl: boolean;
  defaultBackendUrl: string;
  error: string | undefined;
  onLogin(backendUrl: string, username: string, password: string): Promise<void>;
}

export function LoginForm(props: LoginFormProps) {
  const [backendUrl, setBackendUrl] = useState(props.defaultBackendUrl);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice] = useState(() => {
    const changed = sessionStorage.getItem(backendChangedKey);
    sessionStorage.removeItem(backendChangedKey);
    return changed ? `This desktop now talks to ${changed}. Log in again.` : undefined;
  });
  const [saveError, setSaveError] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const url = backendUrl.replace(/\/+$/, '');
    if (props.askBackendUrl && url !== props.defaultBackendUrl.replace(/\/+$/, '')) {
      // The page may reach only the configured backend: keep the new one and reload under it.
      setBusy(true);
      void desktopApi()
        .saveBackendUrl(url)
        .then(() => {
          sessionStorage.setItem(backendChangedKey, url);
          window.location.reload();
        })
        .catch((error: unknown) => {
          setSaveError(error instanceof Error ? error.message : String(error));
          setBusy(false);
        });
      return;
    }
    setBusy(true);
    void props.onLogin(url, username, password).finally(() => setBusy(false));
  };
  return (
    <form className="login" onSubmit={submit} aria-label="Log in">
      <h1>{props.title}</h1>
      {props.askBackendUrl && (
        <label>
          Backend URL
          <input value={backendUrl} onChange={(e) => setBackendUrl(e.target.value)} required type="url" />
        </label>
      )}
      <label>
        Username
        <input
          name="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          autoComplete="username"
        />
      </label>
      <label>
        Password
        <input
          name="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          type="password"
          autoComplete="current-password"
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
      {notice && <p role="status">{notice}</p>}
      {(saveError ?? props.error) && (
        <p role="alert" className="error">
          {saveError ?? props.error}
        </p>
      )}
    </form>
  );
}
