import { useCallback, useState, type FormEvent } from 'react';
import { errorMessage, dnTypeSchema, type DnConfig, type DnType } from '@vox/shared';
import { useSupervisorStore } from '../supervisor-store.ts';
import { useAdminData } from './use-admin-data.ts';

const types = dnTypeSchema.options;

function DnRow({ dn, onSaved }: { dn: DnConfig; onSaved(): Promise<void> }) {
  const client = useSupervisorStore((s) => s.client);
  const [type, setType] = useState<DnType>(dn.type);
  const [record, setRecord] = useState(dn.record);
  const [error, setError] = useState<string>();
  const save = async () => {
    if (!client) return;
    try {
      await client.configureDn(dn.dn, { type, record });
      setError(undefined);
      await onSaved();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <tr data-dn={dn.dn}>
      <td>{dn.dn}</td>
      <td>{dn.agent ?? ''}</td>
      <td>
        <select aria-label={`Type of DN ${dn.dn}`} value={type} onChange={(e) => setType(e.target.value as DnType)}>
          {types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </td>
      <td>
        <label>
          <input
            type="checkbox"
            aria-label={`Record DN ${dn.dn}`}
            checked={record}
            onChange={(e) => setRecord(e.target.checked)}
          />{' '}
          record=true
        </label>
      </td>
      <td>
        <button onClick={() => void save()}>Save</button>
        {error && <span className="error"> {error}</span>}
      </td>
    </tr>
  );
}

/** SIP Server's DNs and their static recording configuration (GIR: `[TServer] record=true`). */
export function DnPanel() {
  const client = useSupervisorStore((s) => s.client);
  const dns = useAdminData(useCallback(async () => (client ? client.dns() : []), [client]));
  const [newDn, setNewDn] = useState({ dn: '', type: 'Extension' as DnType, record: true });
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!client) return;
    try {
      await client.configureDn(newDn.dn.trim(), { type: newDn.type, record: newDn.record });
      setNewDn({ dn: '', type: 'Extension', record: true });
      await dns.reload();
    } catch (e) {
      dns.setError(errorMessage(e));
    }
  };
  return (
    <section aria-label="DN recording">
      <p className="hint">
        A DN with record=true is recorded whenever it is in a call; an agent's DN nobody configured is an Extension
        without recording.
      </p>
      {dns.error && (
        <p role="alert" className="error">
          {dns.error}
        </p>
      )}
      <table data-testid="dns">
        <thead>
          <tr>
            <th>DN</th>
            <th>Agent</th>
            <th>Type</th>
            <th>Static recording</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {dns.data?.map((d) => (
            <DnRow key={`${d.dn}:${d.type}:${d.record}`} dn={d} onSaved={dns.reload} />
          ))}
        </tbody>
      </table>
      <form onSubmit={(e) => void add(e)} aria-label="Configure a DN">
        <label>
          DN
          <input value={newDn.dn} onChange={(e) => setNewDn({ ...newDn, dn: e.target.value })} required />
        </label>
        <label>
          Type
          <select value={newDn.type} onChange={(e) => setNewDn({ ...newDn, type: e.target.value as DnType })}>
            {types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={newDn.record}
            onChange={(e) => setNewDn({ ...newDn, record: e.target.checked })}
          />{' '}
          record=true
        </label>
        <button type="submit">Configure DN</button>
      </form>
    </section>
  );
}
