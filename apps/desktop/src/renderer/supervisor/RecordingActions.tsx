import { useState, type FormEvent, type MouseEvent } from 'react';
import {
  errorMessage,
  labelSchema,
  mayDownload,
  type MediaFile,
  type Recording,
  type ScreenRecording,
} from '@vox/shared';
import { useSupervisorStore } from './supervisor-store.ts';

/**
 * A download link: the click asks for a download ticket (checked against the user's right) and
 * follows it, so no credential sits in the page or in a URL that outlives the click.
 */
function DownloadLink({ recording, file }: { recording: Recording; file: MediaFile | ScreenRecording }) {
  const client = useSupervisorStore((s) => s.client);
  const [error, setError] = useState<string>();
  if (!client) return null;
  const download = async (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    try {
      const link = document.createElement('a');
      link.href = await client.mediaUrl(recording.id, file.mediaId, 'download');
      link.download = file.mediaId;
      link.click();
      setError(undefined);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <li>
      <a href={client.mediaLocation(recording.id, file.mediaId)} onClick={(e) => void download(e)}>
        {file.type.startsWith('video/') ? 'Screen and voice' : 'Voice'} ({file.type}, {Math.round(file.size / 1024)}{' '}
        KiB)
      </a>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </li>
  );
}

function Downloads({ recording }: { recording: Recording }) {
  const files = [...recording.mediaFiles, ...recording.screenRecordings];
  return (
    <div className="downloads">
      <h3>Download</h3>
      <ul>
        {files.map((file) => (
          <DownloadLink key={file.mediaId} recording={recording} file={file} />
        ))}
      </ul>
    </div>
  );
}

function Labels({ recording }: { recording: Recording }) {
  const client = useSupervisorStore((s) => s.client);
  const recordingChanged = useSupervisorStore((s) => s.recordingChanged);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string>();
  const save = async (labels: string[]) => {
    if (!client) return;
    try {
      recordingChanged(await client.setLabels(recording.id, labels));
      setError(undefined);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    const label = draft.trim();
    const valid = labelSchema.safeParse(label);
    if (!valid.success) {
      setError(`"${label}" is not a label: use 1 to 64 letters, digits, dots, dashes or underscores`);
      return;
    }
    setDraft('');
    void save([...recording.labels, label]);
  };
  return (
    <div className="labels">
      <h3>Labels</h3>
      <ul data-testid="labels">
        {recording.labels.map((label) => (
          <li key={label} className="chip">
            {label}{' '}
            <button
              aria-label={`Remove label ${label}`}
              onClick={() => void save(recording.labels.filter((l) => l !== label))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <label>
          New label
          <input value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>
        <button type="submit">Add label</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}

function LegalHold({ recording }: { recording: Recording }) {
  const client = useSupervisorStore((s) => s.client);
  const recordingChanged = useSupervisorStore((s) => s.recordingChanged);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!client) return;
    try {
      recordingChanged(await client.setLegalHold(recording.id, !recording.legalHold, reason.trim()));
      setReason('');
      setError(undefined);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <form className="legal-hold" onSubmit={(e) => void submit(e)}>
      <h3>Legal hold</h3>
      <p data-testid="legal-hold-state">
        {recording.legalHold ? 'Under legal hold: it cannot be deleted or purged.' : 'Not under legal hold.'}
      </p>
      <label>
        Reason
        <input value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={500} />
      </label>
      <button type="submit">{recording.legalHold ? 'Lift legal hold' : 'Place legal hold'}</button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * What the user may do with the recording, by its rights (the backend checks them again and
 * audits each): download, labels (supervisors and admins), legal hold (admins).
 */
export function RecordingActions({ recording }: { recording: Recording }) {
  const user = useSupervisorStore((s) => s.user);
  if (!user) return null;
  return (
    <section className="recording-actions" aria-label="Recording actions">
      {mayDownload(user) ? (
        <Downloads recording={recording} />
      ) : (
        <p className="hint">You may play this recording; downloading it needs a right an admin gives.</p>
      )}
      {(user.role === 'supervisor' || user.role === 'admin') && <Labels recording={recording} />}
      {user.role === 'admin' && <LegalHold recording={recording} />}
    </section>
  );
}
