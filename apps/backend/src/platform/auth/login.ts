import type pg from 'pg';
import type { LoginRequest, LoginResponse } from '@vox/shared';
import { hashPassword, verifyPassword } from './password-hash.ts';
import { issueToken } from './session-tokens.ts';
import { rowToUser, type UserRow } from './user-rows.ts';

// Checked when the username is unknown, so that a wrong username costs as long as a wrong password.
const decoyHash = hashPassword('vox-decoy-password');

/** Undefined for any wrong credential: the caller must not learn which part was wrong. */
export async function login(
  pool: pg.Pool,
  request: LoginRequest,
  tokenTtlMs: number,
): Promise<LoginResponse | undefined> {
  const result = await pool.query<UserRow>('SELECT * FROM users WHERE username = $1', [request.username]);
  const row = result.rows[0];
  const valid = await verifyPassword(request.password, row?.password_hash ?? (await decoyHash));
  if (!row || !valid) return undefined;
  return { token: await issueToken(pool, row.id, tokenTtlMs), user: rowToUser(row) };
}
