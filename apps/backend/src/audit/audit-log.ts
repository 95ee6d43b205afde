import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AuditAction, AuditRecord, AuditVerification } from '@vox/shared';
import { withTransaction } from '../db/transaction.ts';

interface AuditRow {
  seq: string;
  at: Date;
  actor: string;
  action: AuditAction;
  target: string;
  source: string;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  target: string;
  source: string;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  actor?: string;
  action?: AuditAction;
  recordingId?: string;
}

/** The chain starts from this hash, so the first record is chained too. */
const genesisHash = '0'.repeat(64);
/** Serialises appends across backend instances sharing one database. */
const appendLockKey = 0x766f7861; // "voxa"

function hashOf(fields: Omit<AuditRecord, 'hash'>): string {
  // A fixed field order: the hash must not depend on how JSON orders keys.
  const canonical = JSON.stringify([
    fields.seq,
    fields.at,
    fields.actor,
    fields.action,
    fields.target,
    fields.source,
    Object.entries(fields.details).sort(([a], [b]) => a.localeCompare(b)),
    fields.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    source: row.source,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The audit log of who played, downloaded, deleted or purged which recording. Hash-chained: each
 * record's hash covers its fields and the previous record's hash, so an edited, inserted or
 * deleted record breaks the chain from there on, which `verify()` reports.
 */
export class AuditLog {
  constructor(private readonly pool: pg.Pool) {}

  async append(entry: AuditEntry): Promise<AuditRecord> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [appendLockKey]);
      const last = await client.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      );
      const fields: Omit<AuditRecord, 'hash'> = {
        seq: Number(last.rows[0]?.seq ?? 0) + 1,
        // Millisecond precision, as PostgreSQL keeps it microseconds: what is hashed is what is read back.
        at: new Date().toISOString(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        source: entry.source,
        details: entry.details ?? {},
        prevHash: last.rows[0]?.hash ?? genesisHash,
      };
      const record: AuditRecord = { ...fields, hash: hashOf(fields) };
      await client.query(
        `INSERT INTO audit_log (seq, at, actor, action, target, source, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          record.seq,
          record.at,
          record.actor,
          record.action,
          record.target,
          record.source,
          JSON.stringify(record.details),
          record.prevHash,
          record.hash,
        ],
      );
      return record;
    });
  }

  /**
   * Newest first; `before` pages back from a sequence number. The filter narrows to one actor,
   * one action, and the records of one recording (the recording itself or any of its media).
   */
  async list(limit: number, before?: number, filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const result = await this.pool.query<AuditRow>(
      `SELECT * FROM audit_log
        WHERE ($1::bigint IS NULL OR seq < $1)
          AND ($3::text IS NULL OR actor = $3)
          AND ($4::text IS NULL OR action = $4)
          AND ($5::text IS NULL OR target = $5 OR left(target, length($5) + 1) = $5 || '/')
        ORDER BY seq DESC LIMIT $2`,
      [before ?? null, limit, filter.actor ?? null, filter.action ?? null, filter.recordingId ?? null],
    );
    return result.rows.map(toRecord);
  }

  /** Walks the whole chain in order, a page at a time. */
  async verify(): Promise<AuditVerification> {
    let previousHash = genesisHash;
    let expectedSeq = 1;
    let records = 0;
    const pageSize = 1000;
    for (;;) {
      const page = await this.pool.query<AuditRow>('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2', [
        expectedSeq,
        pageSize,
      ]);
      for (const row of page.rows) {
        const record = toRecord(row);
        if (record.seq !== expectedSeq) {
          return { records, intact: false, brokenAt: expectedSeq, problem: `record ${expectedSeq} is missing` };
        }
        if (record.prevHash !== previousHash) {
          return {
            records,
            intact: false,
            brokenAt: record.seq,
            problem: 'its previous hash does not match the chain',
          };
        }
        const { hash, ...fields } = record;
        if (hashOf(fields) !== hash) {
          return { records, intact: false, brokenAt: record.seq, problem: 'its fields do not match its hash (edited)' };
        }
        previousHash = hash;
        expectedSeq++;
        records++;
      }
      if (page.rows.length < pageSize) {
        return { records, intact: true, ...(records > 0 ? { headHash: previousHash } : {}) };
      }
    }
  }
}
