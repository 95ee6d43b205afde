import { createHash, createHmac } from 'node:crypto';
import type pg from 'pg';
import type { AuditAction, AuditRecord, AuditVerification } from '@vox/shared';
import { withTransaction } from '../../platform/db/transaction.ts';
import { openAuditChainKey, type AuditChainKey } from './audit-chain-key.ts';
import { AuditHead, type AuditHeadMark } from './audit-head.ts';
import { errorMessage } from '@vox/shared';

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

/** Where the chain's secrets live: both outside the database, so its writers cannot forge them. */
export interface AuditFiles {
  /** the HMAC key (`VOX_AUDIT_KEY_FILE`), created 0600 at first start */
  keyFile: string;
  /** the newest record's sequence number and hash (`VOX_AUDIT_HEAD_FILE`) */
  headFile: string;
}

/** Object keys in one order at every depth: PostgreSQL's jsonb gives nested keys back reordered. */
function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, withSortedKeys(object[key])]),
  );
}

/**
 * HMAC-SHA256 with the audit key over the record's fields and the previous hash. The records
 * written before the key existed keep the plain SHA-256 they were made with, details sorted at
 * the top level only.
 */
function hashOf(fields: Omit<AuditRecord, 'hash'>, chainKey: AuditChainKey): string {
  const keyed = fields.seq >= chainKey.keyedFrom;
  // A fixed field order: the hash must not depend on how JSON orders keys.
  const canonical = JSON.stringify([
    fields.seq,
    fields.at,
    fields.actor,
    fields.action,
    fields.target,
    fields.source,
    keyed ? withSortedKeys(fields.details) : Object.entries(fields.details).sort(([a], [b]) => a.localeCompare(b)),
    fields.prevHash,
  ]);
  return (keyed ? createHmac('sha256', chainKey.key) : createHash('sha256')).update(canonical).digest('hex');
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
 * deleted record breaks the chain from there on, which `verify()` reports. The hashes are keyed
 * with a key kept outside the database, and the newest record is also named in a head file
 * outside it: someone who can write the database can neither re-hash the chain after an edit
 * nor drop its newest records unnoticed.
 */
export class AuditLog {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly chainKey: AuditChainKey,
    private readonly head: AuditHead,
  ) {}

  static async open(pool: pg.Pool, files: AuditFiles): Promise<AuditLog> {
    const head = await AuditHead.open(files.headFile);
    let legacyHead: AuditHeadMark | undefined;
    const chainKey = await openAuditChainKey(files.keyFile, async () => {
      const newest = await pool.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      );
      const row = newest.rows[0];
      if (row) legacyHead = { seq: Number(row.seq), hash: row.hash };
      return legacyHead?.seq ?? 0;
    });
    // The unkeyed chain of before is pinned by the head from now on: it cannot be re-hashed either.
    if (legacyHead && !head.latest) await head.advance(legacyHead);
    return new AuditLog(pool, chainKey, head);
  }

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const appended = await withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [appendLockKey]);
      const last = await client.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      );
      const newest = last.rows[0] ? { seq: Number(last.rows[0].seq), hash: last.rows[0].hash } : undefined;
      // Where the head is ahead of the database (newest records deleted) or names another hash
      // (re-hashed), the chain goes on from the head: the next record must not paper over the gap.
      const known = this.head.latest;
      const previous = known && known.seq >= (newest?.seq ?? 0) ? known : newest;
      const fields: Omit<AuditRecord, 'hash'> = {
        seq: (previous?.seq ?? 0) + 1,
        // Millisecond precision, as PostgreSQL keeps it microseconds: what is hashed is what is read back.
        at: new Date().toISOString(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        source: entry.source,
        details: entry.details ?? {},
        prevHash: previous?.hash ?? genesisHash,
      };
      const record: AuditRecord = { ...fields, hash: hashOf(fields, this.chainKey) };
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
    // After the commit: a head naming a record that was rolled back would look like tampering.
    await this.head.advance({ seq: appended.seq, hash: appended.hash });
    return appended;
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

  /**
   * Walks the whole chain in order, a page at a time, then holds its end against the head file:
   * the record the head names must still be there, with the same hash.
   */
  async verify(): Promise<AuditVerification> {
    const keyedFrom = this.chainKey.keyedFrom;
    let head: AuditHeadMark | undefined;
    try {
      head = await this.head.read();
    } catch (error) {
      const reason = errorMessage(error);
      return { records: 0, intact: false, keyedFrom, problem: `the audit head cannot be read: ${reason}` };
    }
    let previousHash = genesisHash;
    let expectedSeq = 1;
    let records = 0;
    let hashAtHead: string | undefined;
    const pageSize = 1000;
    for (;;) {
      const page = await this.pool.query<AuditRow>('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2', [
        expectedSeq,
        pageSize,
      ]);
      for (const row of page.rows) {
        const record = toRecord(row);
        const broken = (problem: string) => ({ records, intact: false, keyedFrom, brokenAt: record.seq, problem });
        if (record.seq !== expectedSeq) {
          return { ...broken(`record ${expectedSeq} is missing`), brokenAt: expectedSeq };
        }
        if (record.prevHash !== previousHash) return broken('its previous hash does not match the chain');
        const { hash, ...fields } = record;
        if (hashOf(fields, this.chainKey) !== hash) return broken('its fields do not match its hash (edited)');
        if (record.seq === head?.seq) hashAtHead = hash;
        previousHash = hash;
        expectedSeq++;
        records++;
      }
      if (page.rows.length === pageSize) continue;
      const intact = { records, intact: true, keyedFrom, ...(records > 0 ? { headHash: previousHash } : {}) };
      if (!head) {
        return records >= keyedFrom
          ? { ...intact, intact: false, problem: `the audit head file ${this.head.file} is missing` }
          : intact;
      }
      if (head.seq > records) {
        return {
          ...intact,
          intact: false,
          brokenAt: records + 1,
          problem: `record ${head.seq}, the newest in the audit head kept outside the database, is missing: the newest records were deleted`,
        };
      }
      if (hashAtHead !== head.hash) {
        return {
          ...intact,
          intact: false,
          brokenAt: head.seq,
          problem: 'its hash is not the one the audit head kept outside the database holds: the chain was re-hashed',
        };
      }
      return intact;
    }
  }
}
