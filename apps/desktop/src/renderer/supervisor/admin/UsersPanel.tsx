import { useCallback, useState, type FormEvent } from 'react';
import { errorMessage, roleSchema, type Role, type User } from '@vox/shared';
import { useSupervisorStore } from '../supervisor-store.ts';
import { useAdminData } from './use-admin-data.ts';

const roles = roleSchema.options;

function UserRow({ user, onSaved }: { user: User; onSaved(): Promise<void> }) {
  const client = useSupervisorStore((s) => s.client);
  const [role, setRole] = useState<Role>(user.role);
  const [group, setGroup] = useState(user.group ?? '');
  const [dn, setDn] = useState(user.dn ?? '');
  const [ownRecordings, setOwnRecordings] = useState(user.ownRecordings === true);
  const [download, setDownload] = useState(user.mayDownload !== false);
  const [error, setError] = useState<string>();
  const save = async () => {
    if (!client) return;
    try {
      await client.updateUser(user.username, {
        role,
        group: group.trim() || null,
        dn: dn.trim() || null,
        ...(role === 'agent' ? { ownRecordings } : {}),
        ...(role === 'supervisor' ? { mayDownload: download } : {}),
      });
      setError(undefined);
      await onSaved();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <tr data-username={user.username}>
      <td>{user.username}</td>
      <td>
        <select aria-label={`Role of ${user.username}`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </td>
      <td>
        <input aria-label={`Group of ${user.username}`} value={group} onChange={(e) => setGroup(e.target.value)} />
      </td>
      <td>
        <input aria-label={`DN of ${user.username}`} value={dn} onChange={(e) => setDn(e.target.value)} size={8} />
      </td>
      <td>
        {role === 'agent' && (
          <label>
            <input type="checkbox" checked={ownRecordings} onChange={(e) => setOwnRecordings(e.target.checked)} /> own
            recordings
          </label>
        )}
        {role === 'supervisor' && (
          <label>
            <input type="checkbox" checked={download} onChange={(e) => setDownload(e.target.checked)} /> may download
          </label>
        )}
      </td>
      <td>
        <button onClick={() => void save()}>Save</button>
        {error && <span className="error"> {error}</span>}
      </td>
    </tr>
  );
}

function NewUser({ onCreated }: { onCreated(): Promise<void> }) {
  const client = useSupervisorStore((s) => s.client);
  const [form, setForm] = useState({ username: '', password: '', role: 'agent' as Role, dn: '', group: '' });
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!client) return;
    try {
      await client.createUser({
        username: form.username.trim(),
        password: form.password,
        role: form.role,
        ...(form.dn.trim() ? { dn: form.dn.trim() } : {}),
        ...(form.group.trim() ? { group: form.group.trim() } : {}),
      });
      setForm({ username: '', password: '', role: 'agent', dn: '', group: '' });
      setError(undefined);
      await onCreated();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <form className="new-user" onSubmit={(e) => void submit(e)} aria-label="New user">
      <h3>New user</h3>
      <label>
        Username
        <input value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
      </label>
      <label>
        Password
        <input
          type="password"
          minLength={8}
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          required
          autoComplete="new-password"
        />
      </label>
      <label>
        Role
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        DN
        <input value={form.dn} onChange={(e) => setForm({ ...form, dn: e.target.value })} />
      </label>
      <label>
        Group
        <input value={form.group} onChange={(e) => setForm({ ...form, group: e.target.value })} />
      </label>
      <button type="submit">Create user</button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The tenant's users: role, group (what a supervisor and its agents share), DN and rights. */
export function UsersPanel() {
  const client = useSupervisorStore((s) => s.client);
  const users = useAdminData(useCallback(async () => (client ? client.users() : []), [client]));
  return (
    <section aria-label="Users">
      {users.error && <p className="error">{users.error}</p>}
      <table data-testid="users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Group</th>
            <th>DN</th>
            <th>Rights</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <UserRow key={`${u.id}:${JSON.stringify(u)}`} user={u} onSaved={users.reload} />
          ))}
        </tbody>
      </table>
      <NewUser onCreated={users.reload} />
    </section>
  );
}
