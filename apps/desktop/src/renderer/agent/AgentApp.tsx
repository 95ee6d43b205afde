import { useEffect, useState } from 'react';
import { LoginForm } from '../common/LoginForm.tsx';
import { desktopApi } from '../platform/desktop-api.ts';
import type { ScreenRecorderState } from '../screen-recorder/screen-recorder.ts';
import { useAgentStore, type AgentCall } from './agent-store.ts';

function screenLabel(screen: ScreenRecorderState, percent: number | undefined): string {
  switch (screen.kind) {
    case 'idle':
      return 'Screen: not recording';
    case 'starting':
      return 'Screen: starting capture…';
    case 'recording':
      return 'Screen: recording';
    case 'uploading':
      return `Screen: uploading${percent === undefined ? '' : ` ${percent}%`}`;
    case 'uploaded':
      return 'Screen: uploaded';
    case 'failed':
      return `Screen: failed (${screen.message})`;
  }
}

function CallCard({ call }: { call: AgentCall }) {
  const answer = useAgentStore((s) => s.answer);
  const release = useAgentStore((s) => s.release);
  return (
    <section className="call" data-testid="call" data-conn-id={call.connId} data-state={call.state}>
      <h2>
        {call.state === 'ringing'
          ? `Ringing: ${call.ani}`
          : call.state === 'held'
            ? `On hold: ${call.ani}`
            : `On call with ${call.ani}`}
      </h2>
      <p>
        Dialed {call.dnis} · ConnID <code>{call.connId}</code>
      </p>
      {call.recording !== 'idle' && (
        <p className={`recording-indicator ${call.recording}`} data-testid="recording-indicator" role="status">
          {call.recording === 'recording' ? '● Recording' : '❚❚ Recording paused'}
        </p>
      )}
      {call.state === 'ringing' ? (
        <button onClick={() => void answer(call.connId)}>Answer</button>
      ) : (
        <button onClick={() => void release(call.connId)}>Release</button>
      )}
    </section>
  );
}

export function AgentApp() {
  const { user, connection, calls, screen, upload, error, login, screenShared, shareScreen } = useAgentStore();
  const [defaultBackendUrl, setDefaultBackendUrl] = useState(window.location.origin);
  useEffect(() => {
    void desktopApi()
      .getSettings()
      .then((settings) => setDefaultBackendUrl(settings.backendUrl));
  }, []);
  if (!user) {
    return (
      <LoginForm
        title="Vox Recorder: Agent"
        askBackendUrl={desktopApi().kind === 'electron'}
        defaultBackendUrl={defaultBackendUrl}
        error={error}
        onLogin={login}
      />
    );
  }
  const percent =
    upload && upload.bytesTotal > 0 ? Math.round((upload.bytesSent / upload.bytesTotal) * 100) : undefined;
  return (
    <main className="agent">
      <header>
        <span>
          {user.username} · DN <strong data-testid="agent-dn">{user.dn}</strong>
        </span>
        <span className={`connection ${connection}`} data-testid="connection">
          {connection}
        </span>
      </header>
      {calls.length === 0 ? (
        <p className="empty">No calls. Waiting for the next one.</p>
      ) : (
        calls.map((call) => <CallCard key={call.connId} call={call} />)
      )}
      <p className={`screen-state ${screen.kind}`} data-testid="screen-state" data-state={screen.kind}>
        {screenLabel(screen, percent)}
      </p>
      {!screenShared && (
        <p className="screen-share" role="status">
          Your screen is not shared: recorded calls will have no screen recording.{' '}
          <button onClick={shareScreen}>Share screen</button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
