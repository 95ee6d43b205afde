import type pg from 'pg';
import type { Role } from '@vox/shared';
import { hashPassword } from './password-hash.ts';

interface DemoUser {
  username: string;
  role: Role;
  dn?: string;
  group?: string;
}

/** The demo tenant of docs/api.md; each password is `<username>-demo`. */
export const demoUsers: DemoUser[] = [
  { username: 'admin', role: 'admin' },
  { username: 'supervisor1', role: 'supervisor', group: 'sales' },
  { username: 'supervisor2', role: 'supervisor', group: 'support' },
  { username: 'agent1', role: 'agent', dn: '7001', group: 'sales' },
  { username: 'agent2', role: 'agent', dn: '7002', group: 'sales' },
  { username: 'agent3', role: 'agent', dn: '7003', group: 'support' },
  { username: 'agent4', role: 'agent', dn: '7004', group: 'support' },
];

/** Adds the demo users that are missing; never changes a user that exists. */
export async function seedDemoTenant(pool: pg.Pool): Promise<number> {
  const existing = await pool.query<{ username: string }>('SELECT username FROM users WHERE username = ANY($1)', [
    demoUsers.map((u) => u.username),
  ]);
  const present = new Set(existing.rows.map((r) => r.username));
  let added = 0;
  // Hashing is deliberately slow: only the missing users are hashed.
  for (const user of demoUsers.filter((u) => !present.has(u.username))) {
    const result = await pool.query(
      `INSERT INTO users (id, username, password_hash, role, dn, group_name)
       VALUES ($1, $1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING`,
      [user.username, await hashPassword(`${user.username}-demo`), user.role, user.dn ?? null, user.group ?? null],
    );
    added += result.rowCount ?? 0;
  }
  return added;
}
