import type pg from 'pg';
import type { User } from '@vox/shared';
import { rowToUser, type UserRow } from './user-rows.ts';

/** The rights an admin gives users beyond their role. */
export class UserRights {
  constructor(private readonly pool: pg.Pool) {}

  /** Lets an agent see (or no longer see) the recordings it took part in; undefined: no such agent. */
  async setOwnRecordings(username: string, allowed: boolean): Promise<User | undefined> {
    const result = await this.pool.query<UserRow>(
      "UPDATE users SET own_recordings = $2 WHERE username = $1 AND role = 'agent' RETURNING *",
      [username, allowed],
    );
    const row = result.rows[0];
    return row ? rowToUser(row) : undefined;
  }
}
