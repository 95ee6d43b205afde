import { useState, type FormEvent } from 'react';
import { desktopApi } from '../platform/desktop-api.ts';
import { errorMessage } from '@vox/shared';

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
  const [kept, setKept] = useState<string>();
  const logIn = (url: string) => {
    setSaveError(undefined);
    setBusy(true);
    void props.onLogin(url, username, password).finally(() => setBusy(false));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const url = backendUrl.replace(/\/+$/, '');
    const configured = props.defaultBackendUrl.replace(/\/+$/, '');
    if (!props.askBackendUrl || url === configured) {
      logIn(url);
      return;
    }
    // The page may reach only the configured backend: the main process asks the user to confirm
    // the new one and reloads this page under it, so the notice for after the reload goes first.
    setBusy(true);
    setSaveError(undefined);
    setKept(undefined);
    sessionStorage.setItem(backendChangedKey, url);
    void desktopApi()
      .saveBackendUrl(url)
      .then((outcome) => {
        if (outcome === 'changed') return;
        sessionStorage.removeItem(backendChangedKey);
        if (outcome === 'unchanged') {
          logIn(configured);
          return;
        }
        setBackendUrl(props.defaultBackendUrl);
        setKept(`The backend URL was not changed: this desktop still talks to ${configured}.`);
        setBusy(false);
      })
      .catch((error: unknown) => {
        sessionStorage.removeItem(backendChangedKey);
        setSaveError(refusalMessage(error));
        setBusy(false);
      });
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
      {(kept ?? notice) && <p role="status">{kept ?? notice}</p>}
      {(saveError ?? props.error) && (
        <p role="alert" className="error">
          {saveError ?? props.error}
        </p>
      )}
    </form>
  );
}

/** Electron prefixes a refusal from the main process with the channel and the error's class. */
function refusalMessage(error: unknown): string {
  const message = errorMessage(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}
