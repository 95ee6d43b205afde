import type pg from 'pg';
import type { DnConfig, DnConfigRequest, DnType } from '@vox/shared';

export interface DnEntry {
  dn: string;
  type: DnType;
  /** static recording configuration (GIR: `[TServer] record=true` on the DN) */
  record: boolean;
  agentId: string | undefined;
  agentUsername: string | undefined;
  group: string | undefined;
}

interface DnRow {
  dn: string;
  type: DnType | null;
  record: boolean | null;
  agent_id: string | null;
  username: string | null;
  group_name: string | null;
}

const selectDns = `
  SELECT COALESCE(d.dn, u.dn) AS dn, d.type, d.record, u.id AS agent_id, u.username, u.group_name
  FROM dns d FULL OUTER JOIN (SELECT * FROM users WHERE role = 'agent') u ON u.dn = d.dn`;

function toEntry(row: DnRow): DnEntry {
  return {
    dn: row.dn,
    // An agent's DN nobody configured is a plain extension without static recording.
    type: row.type ?? 'Extension',
    record: row.record ?? false,
    agentId: row.agent_id ?? undefined,
    agentUsername: row.username ?? undefined,
    group: row.group_name ?? undefined,
  };
}

export function toDnConfig(entry: DnEntry): DnConfig {
  return {
    dn: entry.dn,
    type: entry.type,
    record: entry.record,
    ...(entry.agentUsername ? { agent: entry.agentUsername } : {}),
  };
}

/** The DNs SIP Server knows: the agents' extensions and every DN an admin configured. */
export class DnDirectory {
  constructor(private readonly pool: pg.Pool) {}

  async lookup(dn: string): Promise<DnEntry | undefined> {
    const result = await this.pool.query<DnRow>(`${selectDns} WHERE COALESCE(d.dn, u.dn) = $1`, [dn]);
    const row = result.rows[0];
    return row ? toEntry(row) : undefined;
  }

  async list(): Promise<DnEntry[]> {
    const result = await this.pool.query<DnRow>(`${selectDns} WHERE COALESCE(d.dn, u.dn) IS NOT NULL ORDER BY 1`);
    return result.rows.map(toEntry);
  }

  /** Creates or replaces the DN's static configuration; returns what SIP Server now has. */
  async configure(dn: string, config: DnConfigRequest): Promise<DnEntry> {
    await this.pool.query(
      `INSERT INTO dns (dn, type, record) VALUES ($1, $2, $3)
       ON CONFLICT (dn) DO UPDATE SET type = EXCLUDED.type, record = EXCLUDED.record, updated_at = now()`,
      [dn, config.type, config.record],
    );
    const entry = await this.lookup(dn);
    if (!entry) throw new Error(`DN ${dn} vanished right after it was configured`);
    return entry;
  }
}
