import { useEffect, useState } from 'react';
import type { Recording } from '@vox/shared';
import { LoginForm } from '../common/LoginForm.tsx';
import { desktopApi } from '../platform/desktop-api.ts';
import { useSupervisorStore } from './supervisor-store.ts';

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function totalDuration(recording: Recording): number {
  return recording.mediaFiles.reduce((sum, m) => sum + m.duration, 0);
}

function Player({ recording }: { recording: Recording }) {
  const client = useSupervisorStore((s) => s.client);
  if (!client) return null;
  const screen = recording.screenRecordings[0];
  const voice = recording.mediaFiles[0];
  return (
    <section className="player" aria-label="Player">
      <h2>
        {recording.callerPhoneNumber} → {recording.dialedPhoneNumber} · {recording.agentId ?? recording.recordDN}
      </h2>
      {screen ? (
        <video
          data-testid="screen-player"
          controls
          preload="auto"
          src={client.mediaUrl(recording.id, screen.mediaId)}
          poster={screen.thumbnail ? client.mediaUrl(recording.id, screen.thumbnail) : undefined}
        />
      ) : voice ? (
        <>
          <p className="hint">No screen recording (yet): playing the voice recording.</p>
          <audio
            data-testid="voice-player"
            controls
            preload="auto"
            src={client.mediaUrl(recording.id, voice.mediaId)}
          />
        </>
      ) : (
        <p className="hint">This recording has no media.</p>
      )}
      <ol className="history">
        {recording.eventHistory.map((event, i) => (
          <li key={i}>
            {new Date(event.at).toLocaleTimeString()} {event.event} {event.dn} {event.detail ?? ''}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function SupervisorApp() {
  const { user, recordings, selected, loading, error, login, refresh, select } = useSupervisorStore();
  const [defaultBackendUrl, setDefaultBackendUrl] = useState(window.location.origin);
  useEffect(() => {
    void desktopApi()
      .getSettings()
      .then((settings) => setDefaultBackendUrl(settings.backendUrl));
  }, []);
  if (!user) {
    return (
      <LoginForm
        title="Vox Recorder: Recordings"
        askBackendUrl={desktopApi().kind === 'electron'}
        defaultBackendUrl={defaultBackendUrl}
        error={error}
        onLogin={login}
      />
    );
  }
  return (
    <main className="supervisor">
      <header>
        <span>
          {user.username} ({user.role}
          {user.group ? `, group ${user.group}` : ''})
        </span>
        <button onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </header>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {recordings.length === 0 ? (
        <p className="empty">No recordings you may see yet. Recorded calls appear here when their file is stored.</p>
      ) : (
        <table data-testid="recordings">
          <thead>
            <tr>
              <th>Screen</th>
              <th>Start</th>
              <th>Agent</th>
              <th>Caller</th>
              <th>Dialed</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {recordings.map((r) => (
              <tr
                key={r.id}
                data-recording-id={r.id}
                className={selected?.id === r.id ? 'selected' : ''}
                onClick={() => void select(r.id)}
              >
                <td>
                  {r.screenRecordings[0]?.thumbnail && user ? (
                    <img
                      alt="screen"
                      src={useSupervisorStore.getState().client?.mediaUrl(r.id, r.screenRecordings[0].thumbnail)}
                      width={96}
                    />
                  ) : (
                    '—'
                  )}
                </td>
                <td>{new Date(r.startTime).toLocaleString()}</td>
                <td>{r.agentId ?? r.recordDN}</td>
                <td>{r.callerPhoneNumber}</td>
                <td>{r.dialedPhoneNumber}</td>
                <td>{formatDuration(totalDuration(r))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <Player recording={selected} />}
    </main>
  );
}
