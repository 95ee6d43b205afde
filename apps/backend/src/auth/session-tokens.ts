import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { User } from '@vox/shared';
import { rowToUser, type UserRow } from './user-rows.ts';

/** Bearer tokens are random; the database keeps only their SHA-256, so a leaked table logs no one in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function issueToken(pool: pg.Pool, userId: string, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
    hashToken(token),
    userId,
    new Date(Date.now() + ttlMs),
  ]);
  return token;
}

export async function userForToken(pool: pg.Pool, token: string): Promise<User | undefined> {
  const result = await pool.query<UserRow>(
    `SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [hashToken(token)],
  );
  const row = result.rows[0];
  return row ? rowToUser(row) : undefined;
}
