import type { Recording, RecordingSort } from '@vox/shared';
import { useSupervisorStore } from '../supervisor-store.ts';
import { formatClock } from '../../common/time-format.ts';
import { useMediaUrl } from '../use-media-url.ts';

function voiceDuration(recording: Recording): number {
  return recording.mediaFiles.filter((m) => m.type === 'audio/mp3').reduce((sum, m) => sum + m.duration, 0);
}

function SortHeader({ label, field }: { label: string; field: 'startTime' | 'duration' }) {
  const search = useSupervisorStore((s) => s.search);
  const runSearch = useSupervisorStore((s) => s.runSearch);
  const descending = search.filters.sort === `-${field}`;
  const ascending = search.filters.sort === field;
  // Newest and longest first on the first click: what a supervisor usually looks for.
  const next: RecordingSort = descending ? field : `-${field}`;
  return (
    <th aria-sort={descending ? 'descending' : ascending ? 'ascending' : 'none'}>
      <button className="sort" onClick={() => void runSearch({ ...search.filters, sort: next })}>
        {label} {descending ? '▼' : ascending ? '▲' : ''}
      </button>
    </th>
  );
}

/** A still of the recording's screen, loaded with a ticket of its own (a preview in the audit log). */
function Thumbnail({ recording, mediaId }: { recording: Recording; mediaId: string }) {
  const client = useSupervisorStore((s) => s.client);
  const { url } = useMediaUrl(client, recording.id, mediaId);
  const alt = `screen of ${recording.agentId ?? recording.recordDN}`;
  return url ? <img alt={alt} src={url} width={96} /> : <span className="hint">screen</span>;
}

/** The results page: a row per recording with a still of its screen recording; a click opens it. */
export function ResultsTable() {
  const results = useSupervisorStore((s) => s.search.results);
  const openRecording = useSupervisorStore((s) => s.openRecording);
  return (
    <table data-testid="recordings" className="results">
      <thead>
        <tr>
          <th>Screen</th>
          <SortHeader label="Start" field="startTime" />
          <th>Agent</th>
          <th>Group</th>
          <th>Caller</th>
          <th>Dialed</th>
          <SortHeader label="Duration" field="duration" />
          <th>Labels</th>
          <th>Flags</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => {
          const thumbnail = r.screenRecordings.find((s) => s.thumbnail)?.thumbnail;
          return (
            <tr key={r.id} data-recording-id={r.id} onClick={() => void openRecording(r.id)}>
              <td className="thumbnail">
                {thumbnail ? (
                  <Thumbnail recording={r} mediaId={thumbnail} />
                ) : (
                  <span className="hint">{r.screenRecordings.length > 0 ? 'screen' : '—'}</span>
                )}
              </td>
              <td>{new Date(r.startTime).toLocaleString()}</td>
              <td>{r.agentId ?? r.recordDN}</td>
              <td>{r.group ?? ''}</td>
              <td>{r.callerPhoneNumber}</td>
              <td>{r.dialedPhoneNumber}</td>
              <td data-testid="duration">{formatClock(voiceDuration(r) / 1000)}</td>
              <td>{r.labels.join(', ')}</td>
              <td>
                {r.legalHold && <span className="flag hold">legal hold</span>}
                {r.analytics?.pciLeak && <span className="flag dtmf">DTMF</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
