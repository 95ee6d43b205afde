import { useCallback } from 'react';
import { useSupervisorStore } from '../supervisor-store.ts';
import { useAdminData } from './use-admin-data.ts';

/** Each group with its supervisors and agents; a user's group is set on the Users tab. */
export function GroupsPanel() {
  const client = useSupervisorStore((s) => s.client);
  const groups = useAdminData(useCallback(async () => (client ? client.groups() : []), [client]));
  return (
    <section aria-label="Groups">
      <p className="hint">
        A supervisor sees the recordings its group's agents took part in. Move a user to another group on the Users tab;
        recordings keep the groups that took part in the call.
      </p>
      {groups.error && <p className="error">{groups.error}</p>}
      <table data-testid="groups">
        <thead>
          <tr>
            <th>Group</th>
            <th>Supervisors</th>
            <th>Agents</th>
          </tr>
        </thead>
        <tbody>
          {groups.data?.map((g) => (
            <tr key={g.name}>
              <td>{g.name}</td>
              <td>{g.supervisors.join(', ') || '—'}</td>
              <td>{g.agents.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
