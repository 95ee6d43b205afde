import fs from 'node:fs/promises';
import type pg from 'pg';
import { mcpMetadataSchema, type McpMetadata, type StorageStatus } from '@vox/shared';
import type { MediaStorage } from './media-storage.ts';

/** What the MCP knows of a file before storage has it: everything but where and what was stored. */
export type PendingMetadata = Omit<McpMetadata, 'storagePath' | 'sha256'>;

export interface MetadataSink {
  ingest(metadata: McpMetadata): Promise<void>;
}

interface OutboxRow {
  id: string;
  object_path: string;
  local_file: string;
  metadata: PendingMetadata;
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

  constructor(
    private readonly pool: pg.Pool,
    private readonly storage: MediaStorage,
    private readonly sink: MetadataSink,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  /** Queues a finished file and tries to deliver it at once. Resolves once it is queued durably. */
  async deliver(objectPath: string, localFile: string, metadata: PendingMetadata): Promise<void> {
    const inserted = await this.pool.query<{ id: string }>(
      // The first attempt is this call's; the background retries only pick the row up if it fails.
      `INSERT INTO storage_outbox (object_path, local_file, metadata, next_attempt_at)
       VALUES ($1, $2, $3, now() + interval '1 minute') RETURNING id`,
      [objectPath, localFile, JSON.stringify(metadata)],
    );
    const id = inserted.rows[0]?.id;
    if (id) await this.attempt({ id, object_path: objectPath, local_file: localFile, metadata, attempts: 0 });
  }

  /** Retries what is due every half second until `stop()`; what a previous run left, at once. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.pool.query('UPDATE storage_outbox SET next_attempt_at = now()');
    this.timer ??= setInterval(() => {
      this.draining = this.draining
        .then(() => this.retryDue())
        .catch((error: unknown) => this.log('storage outbox', error));
    }, pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.draining;
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
      const stored = await this.storage.putFile(row.object_path, row.local_file);
      const metadata = mcpMetadataSchema.parse({
        ...row.metadata,
        storagePath: stored.path,
        sha256: stored.sha256,
        // `size` stays the playable (plaintext) size the MCP measured; encrypted objects are larger.
        mediaFile: row.metadata.mediaFile,
      });
      // Only after storage has confirmed the file (GIR: GVP posts metadata after WebDAV says stored).
      await this.sink.ingest(metadata);
      await this.pool.query('DELETE FROM storage_outbox WHERE id = $1', [row.id]);
      await fs.rm(row.local_file, { force: true });
    } catch (error) {
      const attempts = row.attempts + 1;
      const delayMs = Math.min(maxRetryMs, firstRetryMs * 2 ** (attempts - 1));
      const message = error instanceof Error ? error.message : String(error);
      await this.pool.query(
        `UPDATE storage_outbox SET attempts = $2, last_error = $3,
           next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1`,
        [row.id, attempts, message.slice(0, 1000), delayMs / 1000],
      );
      if (attempts === 1)
        this.log(`storage: ${row.object_path} not stored yet, retrying in the background: ${message}`);
    }
  }
}
