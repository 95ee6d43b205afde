import fs from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { mcpMetadataSchema, type McpMetadata, type StorageStatus } from '@vox/shared';
import type { JobQueue, JobQueueDefinition } from '../../platform/jobs/job-queue.ts';
import type { MediaStorage, StoredObject } from './media-storage.ts';

/** What the MCP knows of a file before storage has it: everything but where and what was stored. */
export type PendingMetadata = Omit<McpMetadata, 'storagePath' | 'sha256'>;

export interface MetadataSink {
  ingest(metadata: McpMetadata): Promise<void>;
}

/** What a stored file is: a voice recording (the MCP's), a screen recording, or its thumbnail. */
const outboxKindSchema = z.enum(['voice', 'screen', 'screen-thumbnail']);
export type OutboxKind = z.infer<typeof outboxKindSchema>;

/** What happens once storage has confirmed a file of a kind; `metadata` is what was queued with it. */
export type StoredHandler = (stored: StoredObject, metadata: unknown) => Promise<void>;

const mediaFileJobSchema = z.object({
  kind: outboxKindSchema,
  objectPath: z.string(),
  localFile: z.string(),
  metadata: z.unknown(),
});
type MediaFileJob = z.infer<typeof mediaFileJobSchema>;

const storedMediaJobSchema = mediaFileJobSchema.omit({ localFile: true }).extend({
  stored: z.object({ path: z.string(), size: z.number(), sha256: z.string() }),
});
type StoredMediaJob = z.infer<typeof storedMediaJobSchema>;

/**
 * A file going to storage, run by the backend whose disk holds it. Twenty runs cover an outage of
 * a day and more (the backoff doubles up to some 18 hours); after that the file stays on disk and
 * its job waits for `vox jobs retry`.
 */
export const storeMediaJob: JobQueueDefinition<MediaFileJob> = {
  name: 'store-media',
  data: mediaFileJobSchema,
  retryLimit: 20,
  // A long recording to a slow WebDAV server; a killed backend's upload is taken over after this.
  expireInSeconds: 15 * 60,
  concurrency: 4,
  subject: (job) => job.objectPath,
  dedupeByKey: true,
  perBackend: true,
};

/** What storage confirmed, posted as the file's metadata (by any backend), once the store job succeeded. */
export const postMediaMetadataJob: JobQueueDefinition<StoredMediaJob> = {
  name: 'post-media-metadata',
  data: storedMediaJobSchema,
  retryLimit: 10,
  expireInSeconds: 5 * 60,
  concurrency: 2,
  subject: (job) => job.objectPath,
  dedupeByKey: true,
};

const mediaQueues = [storeMediaJob.name, postMediaMetadataJob.name] as const;

/** How often storage is asked whether it is back while files wait for a retry. */
const storageWatchMs = 10_000;
const storageProbeTimeoutMs = 5000;

/**
 * The way every finished media file reaches storage, as two jobs in order (GIR: GVP posts the
 * metadata after WebDAV says stored): `store-media` puts the file and, once storage has confirmed
 * it, queues `post-media-metadata` and removes the local file; the metadata job posts the
 * metadata. Both are retried with the job queue's backoff and survive restarts, so nothing is
 * lost; storing and posting again are harmless (same path, idempotent by media id).
 */
export class StorageOutbox {
  private readonly handlers = new Map<OutboxKind, StoredHandler>();
  private watch: NodeJS.Timeout | undefined;
  private watching: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobs: JobQueue,
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
   * Queues a finished file; resolves once it is queued durably. A file queued again (after a
   * crash, from its journal) is left to the job queued first.
   */
  async deliver(kind: OutboxKind, objectPath: string, localFile: string, metadata: unknown): Promise<void> {
    if (await this.jobs.hasOpen(storeMediaJob, objectPath)) return;
    await this.jobs.send(storeMediaJob, { kind, objectPath, localFile, metadata }, { key: objectPath });
  }

  /** Starts this backend's share of the work, and takes over what an older Vox left in its table. */
  async start(pool: pg.Pool): Promise<void> {
    await this.jobs.work(storeMediaJob, (job) => this.store(job));
    await this.jobs.work(postMediaMetadataJob, (job) => this.post(job));
    await this.adoptLegacyOutbox(pool);
    this.watch = setInterval(() => {
      this.watching = this.watching.then(() => this.storeWhenStorageIsBack());
    }, storageWatchMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.watch);
    await this.watching;
  }

  /** The calls whose voice files wait here: their call details are still to be merged. */
  async pendingVoiceCalls(): Promise<Set<string>> {
    const waiting = new Set<string>();
    for (const data of await this.jobs.openJobData(mediaQueues)) {
      const job = mediaFileJobSchema.safeParse(data);
      const connId = job.success && job.data.kind === 'voice' ? (job.data.metadata as PendingMetadata).connId : '';
      if (connId) waiting.add(connId);
    }
    return waiting;
  }

  async status(): Promise<StorageStatus> {
    const backlog = await this.jobs.backlog(mediaQueues);
    return {
      pending: backlog.jobs,
      ...(backlog.oldest ? { oldest: backlog.oldest.toISOString() } : {}),
      ...(backlog.lastError ? { lastError: backlog.lastError } : {}),
    };
  }

  private async store(job: MediaFileJob): Promise<void> {
    const stored = await this.storage.putFile(job.objectPath, job.localFile).catch(async (error: unknown) => {
      // A run that stored the file, queued its metadata and removed it, then died before it was
      // marked done: storage has it; nothing is left to do.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await this.alreadyStored(job.objectPath))) {
        this.log.info(`storage: ${job.objectPath} was stored by an earlier run`);
        return undefined;
      }
      throw error;
    });
    if (!stored) return;
    const { localFile, ...posted } = job;
    await this.jobs.send(postMediaMetadataJob, { ...posted, stored }, { key: job.objectPath });
    await fs.rm(localFile, { force: true });
  }

  private async post(job: StoredMediaJob): Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler) throw new Error(`nothing handles stored files of kind ${job.kind}`);
    await handler(job.stored, job.metadata);
  }

  /**
   * While files wait for a retry, storage is asked every few seconds whether it takes writes again;
   * once it does, they are stored now, not at the end of a backoff that may have grown to hours.
   */
  private async storeWhenStorageIsBack(): Promise<void> {
    try {
      if ((await this.jobs.retrying(storeMediaJob)) === 0) return;
      await this.storage.probe(storageProbeTimeoutMs);
      const files = await this.jobs.retryNow(storeMediaJob);
      if (files > 0) this.log.info(`storage answers again: ${files} waiting file(s) stored now`);
    } catch (error) {
      this.log.debug({ err: error }, 'storage still unavailable');
    }
  }

  private async alreadyStored(objectPath: string): Promise<boolean> {
    try {
      await this.storage.size(objectPath);
      return true;
    } catch {
      return false;
    }
  }

  /** Rows an older Vox queued in `storage_outbox` become jobs (once: the row goes with the send). */
  private async adoptLegacyOutbox(pool: pg.Pool): Promise<void> {
    const rows = await pool.query<{
      id: string;
      kind: OutboxKind;
      object_path: string;
      local_file: string;
      metadata: unknown;
    }>('SELECT id, kind, object_path, local_file, metadata FROM storage_outbox ORDER BY id');
    for (const row of rows.rows) {
      await this.deliver(row.kind, row.object_path, row.local_file, row.metadata);
      await pool.query('DELETE FROM storage_outbox WHERE id = $1', [row.id]);
    }
    if (rows.rows.length > 0)
      this.log.info(`storage: ${rows.rows.length} file(s) from the old outbox table queued as jobs`);
  }
}
