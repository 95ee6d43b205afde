import type pg from 'pg';

export interface DnEntry {
  dn: string;
  agentId: string | undefined;
  group: string | undefined;
}

/** The DNs SIP Server knows: for now, the agents' extensions. */
export class DnDirectory {
  constructor(private readonly pool: pg.Pool) {}

  async lookup(dn: string): Promise<DnEntry | undefined> {
    const result = await this.pool.query<{ id: string; group_name: string | null }>(
      "SELECT id, group_name FROM users WHERE dn = $1 AND role = 'agent'",
      [dn],
    );
    const row = result.rows[0];
    return row ? { dn, agentId: row.id, group: row.group_name ?? undefined } : undefined;
  }
}
