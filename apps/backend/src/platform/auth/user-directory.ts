import type pg from 'pg';
import type { CreateUserRequest, GroupList, Role, UpdateUserRequest, User } from '@vox/shared';
import { withTransaction } from '../db/transaction.ts';
import type { EventBus } from '../events/event-bus.ts';
import { hashPassword } from './password-hash.ts';
import { rowToUser, type UserRow } from './user-rows.ts';

/** A username or DN another user already has. */
export class UserConflictError extends Error {}

/** PostgreSQL's unique_violation: the users table keeps usernames and DNs unique. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

function conflictOf(error: unknown, request: { username?: string; dn?: string | null }): never {
  if (!isUniqueViolation(error)) throw error;
  const detail = String((error as { detail?: unknown }).detail ?? '');
  throw new UserConflictError(
    detail.includes('(dn)')
      ? `DN ${request.dn ?? ''} already belongs to another user`
      : `a user named ${request.username ?? ''} already exists`,
  );
}

/**
 * The tenant's users as an admin manages them: role, DN, group (a group is what a supervisor and
 * its agents share) and the rights beyond a role. Passwords are only ever stored hashed.
 */
export class UserDirectory {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
  ) {}

  async list(): Promise<User[]> {
    const result = await this.pool.query<UserRow>('SELECT * FROM users ORDER BY username');
    return result.rows.map(rowToUser);
  }

  async create(request: CreateUserRequest): Promise<User> {
    try {
      const result = await this.pool.query<UserRow>(
        `INSERT INTO users (id, username, password_hash, role, dn, group_name)
         VALUES ($1, $1, $2, $3, $4, $5) RETURNING *`,
        [
          request.username,
          await hashPassword(request.password),
          request.role,
          request.dn ?? null,
          request.group ?? null,
        ],
      );
      return rowToUser(result.rows[0]!);
    } catch (error) {
      return conflictOf(error, request);
    }
  }

  /**
   * Changes what the request names; undefined when there is no such user (of `onlyRole`, when given).
   * A new password, role, DN or group ends the user's sessions, and the bus is told so that their
   * sockets close: whoever knew the old password is logged out, and no socket keeps the events of
   * a DN or group the user no longer has.
   */
  async update(username: string, request: UpdateUserRequest, onlyRole?: Role): Promise<User | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [username, onlyRole ?? null];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (request.role !== undefined) set('role', request.role);
    if (request.dn !== undefined) set('dn', request.dn);
    if (request.group !== undefined) set('group_name', request.group);
    if (request.password !== undefined) set('password_hash', await hashPassword(request.password));
    if (request.ownRecordings !== undefined) set('own_recordings', request.ownRecordings);
    if (request.mayDownload !== undefined) set('may_download', request.mayDownload);
    try {
      const { row, sessionsEnded } = await withTransaction(this.pool, async (client) => {
        const before = await client.query<UserRow>(
          'SELECT * FROM users WHERE username = $1 AND ($2::text IS NULL OR role = $2) FOR UPDATE',
          params.slice(0, 2),
        );
        const old = before.rows[0];
        if (!old) return { row: undefined, sessionsEnded: false };
        const result = await client.query<UserRow>(
          `UPDATE users SET ${sets.join(', ')} WHERE username = $1 AND ($2::text IS NULL OR role = $2) RETURNING *`,
          params,
        );
        const row = result.rows[0]!;
        // The admin form sends role, DN and group with every change: only a real change counts.
        const changed =
          request.password !== undefined ||
          row.role !== old.role ||
          row.dn !== old.dn ||
          row.group_name !== old.group_name;
        if (changed) await client.query('DELETE FROM sessions WHERE user_id = $1', [row.id]);
        return { row, sessionsEnded: changed };
      });
      if (row && sessionsEnded) this.bus.emit('sessionsEnded', { userId: row.id });
      return row ? rowToUser(row) : undefined;
    } catch (error) {
      return conflictOf(error, { ...request, username });
    }
  }

  /** Every group a user is in, with its supervisors and agents by username. */
  async groups(): Promise<GroupList> {
    const result = await this.pool.query<{ name: string; supervisors: string[]; agents: string[] }>(
      `SELECT group_name AS name,
              COALESCE(array_agg(username ORDER BY username) FILTER (WHERE role = 'supervisor'), '{}') AS supervisors,
              COALESCE(array_agg(username ORDER BY username) FILTER (WHERE role = 'agent'), '{}') AS agents
         FROM users WHERE group_name IS NOT NULL GROUP BY group_name ORDER BY group_name`,
    );
    return { groups: result.rows };
  }
}
