import type { Recording, VoiceInterruption } from '@vox/shared';
import { AnalyticsFigures } from './AnalyticsFigures.tsx';
import { CallLadderView } from './ladder/CallLadderView.tsx';
import { SyncedPlayer } from './player/SyncedPlayer.tsx';
import { RecordingActions } from './RecordingActions.tsx';
import { useSupervisorStore } from './supervisor-store.ts';
import { useState } from 'react';

function CallFacts({ recording }: { recording: Recording }) {
  return (
    <dl className="facts">
      <dt>Source</dt>
      <dd data-testid="recording-origin">
        {recording.origin === 'siprec' ? 'real call, forked by the SBC/PBX (SIPREC)' : 'simulated call'}
      </dd>
      <dt>Caller</dt>
      <dd>{recording.callerPhoneNumber}</dd>
      <dt>Dialed</dt>
      <dd>{recording.dialedPhoneNumber}</dd>
      <dt>Agent</dt>
      <dd>{recording.agentId ?? recording.recordDN}</dd>
      <dt>Group</dt>
      <dd>{recording.group ?? '—'}</dd>
      <dt>Start</dt>
      <dd>{new Date(recording.startTime).toLocaleString()}</dd>
      <dt>ConnectionID</dt>
      <dd>{recording.connId}</dd>
      <dt>Parties</dt>
      <dd>{recording.parties.map((p) => `${p.dn} (${p.role})`).join(', ')}</dd>
      {Object.entries(recording.attachedData).map(([key, value]) => (
        <span key={key} className="attached">
          <dt>{key}</dt>
          <dd>{value}</dd>
        </span>
      ))}
    </dl>
  );
}

/** Why a voice file ends before its recording was stopped, as a supervisor reads it. */
const interruptionNotes: Record<VoiceInterruption, string> = {
  crash: 'the recorder stopped unexpectedly; it holds the audio written up to then (a few seconds may be missing).',
  media_failure: 'the media worker recording it failed; the recording goes on in the next voice file.',
  disk_full: "the recorder's disk was full; the recording goes on in the next voice file once space was back.",
};

/** One recording: the synced player, its figures, what may be done with it, and its call ladder. */
export function RecordingView({ id }: { id: string }) {
  const client = useSupervisorStore((s) => s.client);
  const open = useSupervisorStore((s) => s.open);
  const showSearch = useSupervisorStore((s) => s.showSearch);
  const recording = open.recording?.id === id ? open.recording : undefined;
  const voiceFiles = recording?.mediaFiles.filter((m) => m.type.startsWith('audio/mp')) ?? [];
  const [voiceIndex, setVoiceIndex] = useState(0);
  const voice = voiceFiles[Math.min(voiceIndex, voiceFiles.length - 1)];
  return (
    <section className="recording-view" aria-label={`Recording ${id}`}>
      <button onClick={showSearch}>← Back to results</button>
      {open.error && (
        <p role="alert" className="error state">
          {open.error}
        </p>
      )}
      {!recording && !open.error && <p className="hint">Opening recording {id}…</p>}
      {recording && client && (
        <>
          <h2>
            {recording.callerPhoneNumber} → {recording.dialedPhoneNumber} · {recording.agentId ?? recording.recordDN}
            {recording.legalHold && <span className="flag hold">legal hold</span>}
          </h2>
          {voiceFiles.length > 1 && (
            <label>
              Voice file
              <select value={voiceIndex} onChange={(e) => setVoiceIndex(Number(e.target.value))}>
                {voiceFiles.map((m, i) => (
                  <option key={m.mediaId} value={i}>
                    {i + 1}: {m.mediaId}
                    {m.interrupted ? ' (ends early)' : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          {voice ? (
            <SyncedPlayer
              key={voice.mediaId}
              client={client}
              recording={recording}
              voice={voice}
              screen={recording.screenRecordings[0]}
            />
          ) : (
            <p className="hint">This recording has no voice file.</p>
          )}
          {voice?.interrupted && (
            <p role="note" className="hint interrupted">
              This voice file ends early: {interruptionNotes[voice.interrupted]}
            </p>
          )}
          <div className="details">
            <CallFacts recording={recording} />
            <AnalyticsFigures recording={recording} />
          </div>
          <RecordingActions recording={recording} />
          <CallLadderView ladder={open.ladder} />
          <details className="history">
            <summary>Event history ({recording.eventHistory.length})</summary>
            <ol>
              {recording.eventHistory.map((event, i) => (
                <li key={i}>
                  {new Date(event.at).toLocaleTimeString()} {event.event} {event.dn} {event.detail ?? ''}
                </li>
              ))}
            </ol>
          </details>
        </>
      )}
    </section>
  );
}
