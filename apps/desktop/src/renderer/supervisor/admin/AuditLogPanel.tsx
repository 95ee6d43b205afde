import { useCallback, useState, type FormEvent } from 'react';
import { errorMessage, auditRecordSchema, type AuditQuery, type AuditVerification } from '@vox/shared';
import { useSupervisorStore } from '../supervisor-store.ts';
import { useAdminData } from './use-admin-data.ts';

const actions = auditRecordSchema.shape.action.options;
const pageSize = 50;

interface Filter {
  actor: string;
  recordingId: string;
  action: string;
}

function VerifyChain() {
  const client = useSupervisorStore((s) => s.client);
  const [result, setResult] = useState<AuditVerification>();
  const [error, setError] = useState<string>();
  const verify = async () => {
    if (!client) return;
    try {
      setResult(await client.verifyAudit());
      setError(undefined);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="verify">
      <button onClick={() => void verify()}>Verify chain</button>
      {result && (
        <p data-testid="chain-verification" className={result.intact ? 'ok' : 'error'}>
          {result.intact
            ? `Chain intact: ${result.records} records${result.headHash ? `, head hash ${result.headHash.slice(0, 16)}…` : ''}. Keep the head hash elsewhere to notice deleted newest records.`
            : `Chain broken at record ${result.brokenAt ?? '?'}: ${result.problem ?? 'unknown problem'} (${result.records} records verified before it).`}
        </p>
      )}
      {error && <p className="error">{error}</p>}
    </div>
  );
}

/** The audit log, newest first, filtered by user, recording and action, a page at a time. */
export function AuditLogPanel() {
  const client = useSupervisorStore((s) => s.client);
  const [draft, setDraft] = useState<Filter>({ actor: '', recordingId: '', action: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [before, setBefore] = useState<number[]>([]);
  const users = useAdminData(useCallback(async () => (client ? client.users() : []), [client]));
  const log = useAdminData(
    useCallback(async () => {
      if (!client) return undefined;
      const query: Partial<AuditQuery> = { limit: pageSize };
      if (filter.actor) query.actor = filter.actor;
      if (filter.recordingId) query.recordingId = filter.recordingId.trim();
      if (filter.action) query.action = filter.action as AuditQuery['action'];
      const cursor = before.at(-1);
      if (cursor) query.before = cursor;
      return client.auditLog(query);
    }, [client, filter, before]),
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setBefore([]);
    setFilter(draft);
  };
  const usernameOf = (id: string) => users.data?.find((u) => u.id === id)?.username ?? id;
  const records = log.data?.records ?? [];
  return (
    <section aria-label="Audit log">
      <VerifyChain />
      <form className="audit-filter" onSubmit={apply} aria-label="Audit filters">
        <label>
          User
          <select aria-label="User" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })}>
            <option value="">anyone</option>
            {users.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <label>
          Recording
          <input value={draft.recordingId} onChange={(e) => setDraft({ ...draft, recordingId: e.target.value })} />
        </label>
        <label>
          Action
          <select
            aria-label="Action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          >
            <option value="">any</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {log.error && (
        <p role="alert" className="error">
          The audit log could not be read: {log.error}
        </p>
      )}
      {log.data && records.length === 0 ? (
        <p className="empty">No audit records match. Clear a filter to see more.</p>
      ) : (
        <table data-testid="audit-log">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>User</th>
              <th>Action</th>
              <th>Target</th>
              <th>From</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.seq} data-action={r.action}>
                <td>{r.seq}</td>
                <td>{new Date(r.at).toLocaleString()}</td>
                <td>{usernameOf(r.actor)}</td>
                <td>{r.action}</td>
                <td className="target">{r.target}</td>
                <td className="source">{r.source}</td>
                <td className="details">{JSON.stringify(r.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button onClick={() => setBefore(before.slice(0, -1))} disabled={before.length === 0}>
          ← Newer
        </button>
        <button
          onClick={() => log.data?.nextCursor && setBefore([...before, Number(log.data.nextCursor)])}
          disabled={!log.data?.nextCursor}
        >
          Older →
        </button>
      </div>
    </section>
  );
}
