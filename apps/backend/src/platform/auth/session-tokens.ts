import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { User } from '@vox/shared';
import { rowToUser, type UserRow } from './user-rows.ts';

/** A live session: whose it is and until when. */
export interface Session {
  user: User;
  tokenHash: string;
  expiresAt: Date;
}

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

export async function sessionForToken(pool: pg.Pool, token: string): Promise<Session | undefined> {
  const tokenHash = hashToken(token);
  const result = await pool.query<UserRow & { session_expires_at: Date }>(
    `SELECT u.*, s.expires_at AS session_expires_at FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [tokenHash],
  );
  const row = result.rows[0];
  return row ? { user: rowToUser(row), tokenHash, expiresAt: row.session_expires_at } : undefined;
}

/** Logout: the token's session, if it has one, is gone. */
export async function endSession(pool: pg.Pool, tokenHash: string): Promise<void> {
  await pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}

/** Expired sessions are never accepted; this removes their rows. Returns how many went. */
export async function purgeExpiredSessions(pool: pg.Pool): Promise<number> {
  const result = await pool.query('DELETE FROM sessions WHERE expires_at <= now()');
  return result.rowCount ?? 0;
}
