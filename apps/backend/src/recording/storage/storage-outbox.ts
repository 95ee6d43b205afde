import fs from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { errorMessage, mcpMetadataSchema, type McpMetadata, type StorageStatus } from '@vox/shared';
import type { MediaStorage, StoredObject } from './media-storage.ts';

/** What the MCP knows of a file before storage has it: everything but where and what was stored. */
export type PendingMetadata = Omit<McpMetadata, 'storagePath' | 'sha256'>;

export interface MetadataSink {
  ingest(metadata: McpMetadata): Promise<void>;
}

/** What a stored file is: a voice recording (the MCP's), a screen recording, or its thumbnail. */
export type OutboxKind = 'voice' | 'screen' | 'screen-thumbnail';

/** What happens once storage has confirmed a file of a kind; `metadata` is what was queued with it. */
export type StoredHandler = (stored: StoredObject, metadata: unknown) => Promise<void>;

interface OutboxRow {
  id: string;
  kind: OutboxKind;
  object_path: string;
  local_file: string;
  metadata: unknown;
  attempts: number;
}

const firstRetryMs = 1000;
const maxRetryMs = 60_000;
const pollMs = 500;

/**
 * The way every finished media file reaches storage: the file and the metadata to post are written
 * to the `storage_outbox` table first, then the file is stored; only when storage has confirmed it
 * is the metadata posted and the row and the local file removed. When storage is down the row
 * stays and is retried with exponential backoff (1 s doubling to 60 s), across restarts, so
 * nothing is lost; posting the same metadata again is harmless (idempotent by media id).
 */
export class StorageOutbox {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> = Promise.resolve();
  private stopped = false;
  /** when reading the queue began to fail (the database is down), while it fails */
  private failingSince: number | undefined;
  private readonly handlers = new Map<OutboxKind, StoredHandler>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly storage: MediaStorage,
    sink: MetadataSink,
    private readonly log: Logger,
  ) {
    // A voice file's metadata goes to the Recording Processor, completed with what storage says.
    this.handlers.set('voice', (stored, metadata) => {
      const pending = metadata as PendingMetadata;
      // `size` stays the playable (plaintext) size the MCP measured; encrypted objects are larger.
      return sink.ingest(mcpMetadataSchema.parse({ ...pending, storagePath: stored.path, sha256: stored.sha256 }));
    });
    this.handlers.set('screen-thumbnail', async () => {});
  }

  /** What to do once storage has a file of `kind` (the screen muxer registers its own). */
  onStored(kind: OutboxKind, handler: StoredHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Queues a finished file and tries to deliver it at once. Resolves once it is queued durably. A
   * file queued again (after a crash, from its journal) is left to the row queued first.
   */
  async deliver(kind: OutboxKind, objectPath: string, localFile: string, metadata: unknown): Promise<void> {
    const inserted = await this.pool.query<{ id: string }>(
      // The first attempt is this call's; the background retries only pick the row up if it fails.
      `INSERT INTO storage_outbox (kind, object_path, local_file, metadata, next_attempt_at)
       VALUES ($1, $2, $3, $4, now() + interval '1 minute') ON CONFLICT (object_path) DO NOTHING RETURNING id`,
      [kind, objectPath, localFile, JSON.stringify(metadata)],
    );
    const id = inserted.rows[0]?.id;
    if (id) await this.attempt({ id, kind, object_path: objectPath, local_file: localFile, metadata, attempts: 0 });
  }

  /** Retries what is due every half second until `stop()`; what a previous run left, at once. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.pool.query('UPDATE storage_outbox SET next_attempt_at = now()');
    this.timer ??= setInterval(() => {
      this.draining = this.draining
        .then(() => this.retryDue())
        .then(
          () => {
            if (this.failingSince !== undefined) this.log.info('storage outbox: working again');
            this.failingSince = undefined;
          },
          (error: unknown) => {
            // Once per outage, not every half second while the database is down.
            if (this.failingSince === undefined) this.log.warn({ err: error }, 'storage outbox: cannot read its queue');
            this.failingSince ??= Date.now();
          },
        );
    }, pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.draining;
  }

  /** The calls whose voice files wait here: their call details are still to be merged. */
  async pendingVoiceCalls(): Promise<Set<string>> {
    const result = await this.pool.query<{ conn_id: string }>(
      "SELECT DISTINCT metadata->>'connId' AS conn_id FROM storage_outbox WHERE kind = 'voice'",
    );
    return new Set(result.rows.map((row) => row.conn_id));
  }

  async status(): Promise<StorageStatus> {
    const result = await this.pool.query<{ pending: string; oldest: Date | null; last_error: string | null }>(
      `SELECT count(*) AS pending, min(created_at) AS oldest,
              (SELECT last_error FROM storage_outbox WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS last_error
         FROM storage_outbox`,
    );
    const row = result.rows[0];
    return {
      pending: Number(row?.pending ?? 0),
      ...(row?.oldest ? { oldest: row.oldest.toISOString() } : {}),
      ...(row?.last_error ? { lastError: row.last_error } : {}),
    };
  }

  private async retryDue(): Promise<void> {
    const due = await this.pool.query<OutboxRow>(
      'SELECT * FROM storage_outbox WHERE next_attempt_at <= now() ORDER BY id LIMIT 20',
    );
    for (const row of due.rows) {
      if (this.stopped) return;
      await this.attempt(row);
    }
  }

  private async attempt(row: OutboxRow): Promise<void> {
    try {
      const handler = this.handlers.get(row.kind);
      if (!handler) throw new Error(`nothing handles stored files of kind ${row.kind}`);
      const stored = await this.storage.putFile(row.object_path, row.local_file);
      // Only after storage has confirmed the file (GIR: GVP posts metadata after WebDAV says stored).
      await handler(stored, row.metadata);
      await this.pool.query('DELETE FROM storage_outbox WHERE id = $1', [row.id]);
      await fs.rm(row.local_file, { force: true });
    } catch (error) {
      const attempts = row.attempts + 1;
      const delayMs = Math.min(maxRetryMs, firstRetryMs * 2 ** (attempts - 1));
      const message = errorMessage(error);
      await this.pool.query(
        `UPDATE storage_outbox SET attempts = $2, last_error = $3,
           next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1`,
        [row.id, attempts, message.slice(0, 1000), delayMs / 1000],
      );
      if (attempts === 1)
        this.log.warn(`storage: ${row.object_path} not stored yet, retrying in the background: ${message}`);
    }
  }
}
