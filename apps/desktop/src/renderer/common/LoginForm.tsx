import { useState, type FormEvent } from 'react';

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
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    void props.onLogin(backendUrl.replace(/\/$/, ''), username, password).finally(() => setBusy(false));
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
      {props.error && (
        <p role="alert" className="error">
          {props.error}
        </p>
      )}
    </form>
  );
}
