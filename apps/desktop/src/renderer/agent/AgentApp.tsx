import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { LoginForm } from '../common/LoginForm.tsx';
import { desktopApi } from '../platform/desktop-api.ts';
import type { ScreenRecorderState } from '../screen-recorder/screen-recorder.ts';
import { desktopStatusOf, type AgentCall } from './agent-state.ts';
import { useAgentStore } from './agent-store.ts';
import { uploadPercent, type UploadItem } from './upload-queue.ts';

function screenLabel(screen: ScreenRecorderState): string {
  switch (screen.kind) {
    case 'idle':
      return 'Screen: not recording';
    case 'starting':
      return 'Screen: starting capture…';
    case 'recording':
      return 'Screen: recording';
    case 'paused':
      return 'Screen: recording paused (nothing of your screen is kept)';
    case 'failed':
      return `Screen: ${screen.message}`;
  }
}

function CallCard({ call, ownDn }: { call: AgentCall; ownDn: string }) {
  const { answer, release, transfer } = useAgentStore(
    useShallow((s) => ({ answer: s.answer, release: s.release, transfer: s.transfer })),
  );
  const [toDn, setToDn] = useState('');
  const others = call.parties.filter((p) => p.dn !== ownDn && p.state !== 'released');
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
      {others.length > 0 && (
        <ul className="parties" data-testid="parties" aria-label="Parties">
          {others.map((party) => (
            <li key={`${party.dn}-${party.role}`}>
              {party.dn}{' '}
              <span className="hint">
                ({party.role.replace(/-/g, ' ')}, {party.state})
              </span>
            </li>
          ))}
        </ul>
      )}
      {call.recording !== 'idle' && (
        <p className={`recording-indicator ${call.recording}`} data-testid="recording-indicator" role="status">
          {call.recording === 'recording' ? '● Recording' : '❚❚ Recording paused'}
        </p>
      )}
      {call.origin === 'siprec' ? (
        <p className="hint" data-testid="siprec-note">
          A call on your phone, recorded through the phone system (SIPREC): answer, transfer and hang up on the phone.
        </p>
      ) : call.state === 'ringing' ? (
        <button onClick={() => void answer(call.connId)}>Answer</button>
      ) : (
        <div className="call-actions">
          <button onClick={() => void release(call.connId)}>Release</button>
          <form
            className="transfer"
            onSubmit={(event) => {
              event.preventDefault();
              const how = (event.nativeEvent as SubmitEvent).submitter?.getAttribute('value');
              void transfer(call.connId, toDn, how === 'conference' ? 'conference' : 'transfer');
              setToDn('');
            }}
          >
            <label>
              DN{' '}
              <input
                value={toDn}
                onChange={(event) => setToDn(event.target.value)}
                pattern="[0-9]{3,15}"
                required
                size={8}
                aria-label="Transfer or conference to DN"
              />
            </label>
            <button type="submit" value="transfer">
              Transfer
            </button>
            <button type="submit" value="conference">
              Conference
            </button>
          </form>
        </div>
      )}
    </section>
  );
}

function uploadLabel(item: UploadItem): string {
  const percent = uploadPercent(item);
  const cut =
    item.interrupted === 'crash'
      ? ' (recovered after a crash)'
      : item.interrupted === 'disk_full'
        ? ' (cut short: disk full)'
        : '';
  switch (item.state) {
    case 'recording':
      return `recording${cut}`;
    case 'waiting':
      return `waiting to upload${cut}`;
    case 'uploading':
      return `uploading ${percent ?? 0}%${cut}`;
    case 'done':
      return 'uploaded';
    case 'failed':
      return `upload failed, will retry: ${item.message ?? 'unknown error'}`;
  }
}

function UploadQueue({ uploads }: { uploads: UploadItem[] }) {
  if (uploads.length === 0) return null;
  return (
    <section className="uploads" aria-label="Screen recordings on this PC">
      <h3>Screen recordings</h3>
      <ul>
        {uploads.map((item) => (
          <li key={item.spoolId} data-testid="upload" data-state={item.state} data-conn-id={item.connId ?? ''}>
            <span>Call {item.connId ? <code>{item.connId}</code> : '(unknown)'}</span>{' '}
            {item.state === 'uploading' && <progress max={100} value={uploadPercent(item) ?? 0} />}{' '}
            <span className="hint">{uploadLabel(item)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AgentApp() {
  const user = useAgentStore((s) => s.user);
  const connection = useAgentStore((s) => s.connection);
  const agentState = useAgentStore((s) => s.agentState);
  const calls = useAgentStore((s) => s.calls);
  const screen = useAgentStore((s) => s.screen);
  const uploads = useAgentStore((s) => s.uploads);
  const error = useAgentStore((s) => s.error);
  const screenShared = useAgentStore((s) => s.screenShared);
  const { login, setReady, shareScreen, dismissError } = useAgentStore(
    useShallow((s) => ({
      login: s.login,
      setReady: s.setReady,
      shareScreen: s.shareScreen,
      dismissError: s.dismissError,
    })),
  );
  const [defaultBackendUrl, setDefaultBackendUrl] = useState(window.location.origin);
  useEffect(() => {
    void desktopApi()
      .getSettings()
      .then((settings) => setDefaultBackendUrl(settings.backendUrl));
  }, []);
  const status = useAgentStore(desktopStatusOf);
  useEffect(() => {
    // In a browser tab the title is the only place the agent sees the state from another window.
    document.title = `${status === 'recording' ? '● ' : status === 'paused' ? '❚❚ ' : ''}Vox Recorder: Agent`;
  }, [status]);
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
  const ready = agentState?.state === 'ready';
  return (
    <main className="agent">
      <header>
        <span>
          {user.username} · DN <strong data-testid="agent-dn">{user.dn}</strong>
        </span>
        <span className={`agent-state ${ready ? 'ready' : 'not-ready'}`} data-testid="agent-state">
          {ready ? 'Ready' : 'Not Ready'}
        </span>
        <button onClick={() => void setReady(!ready)} disabled={connection !== 'online'}>
          {ready ? 'Set Not Ready' : 'Set Ready'}
        </button>
        <span className={`connection ${connection}`} data-testid="connection">
          {connection === 'reconnecting' ? 'reconnecting…' : connection}
        </span>
      </header>
      <p className={`screen-state ${screen.kind}`} data-testid="screen-state" data-state={screen.kind} role="status">
        {screenLabel(screen)}
      </p>
      {calls.length === 0 ? (
        <p className="empty">No calls. Waiting for the next one.</p>
      ) : (
        calls.map((call) => <CallCard key={call.connId} call={call} ownDn={user.dn ?? ''} />)
      )}
      <UploadQueue uploads={uploads} />
      {!screenShared && (
        <p className="screen-share" role="status">
          Your screen is not shared: recorded calls will have no screen recording.{' '}
          <button onClick={shareScreen}>Share screen</button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error} <button onClick={dismissError}>Dismiss</button>
        </p>
      )}
    </main>
  );
}
