import type pg from 'pg';
import { z } from 'zod';
import type { JobQueue, JobQueueDefinition } from '../jobs/job-queue.ts';
import { purgeExpiredSessions } from './session-tokens.ts';

/** Often enough that the table holds no more than a few minutes of dead sessions. */
const longestIntervalMs = 10 * 60_000;
const shortestIntervalMs = 1000;

/** The one waiting purge: every backend queues it at start, the queue keeps one. */
const nextPurgeKey = 'next';

export const sessionPurgeJob: JobQueueDefinition<Record<string, never>> = {
  name: 'session-purge',
  data: z.object({}).strict() as z.ZodType<Record<string, never>>,
  retryLimit: 5,
  expireInSeconds: 60,
  concurrency: 1,
  subject: () => 'expired sessions',
  dedupeByKey: true,
};

/**
 * Deletes expired sessions while any backend runs. They are refused anyway; this keeps the table
 * from growing with every login. A short token lifetime is purged as often as it expires. Each
 * purge queues the next, whichever backend runs it.
 */
export class ExpiredSessionPurge {
  private readonly intervalMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly jobs: JobQueue,
    tokenTtlMs: number,
  ) {
    this.intervalMs = Math.min(longestIntervalMs, Math.max(shortestIntervalMs, tokenTtlMs));
  }

  /** Purges now (what a stopped backend left), unless a purge is already queued, and then every interval. */
  async start(): Promise<void> {
    await this.jobs.work(sessionPurgeJob, () => this.purge());
    await this.jobs.send(sessionPurgeJob, {}, { key: nextPurgeKey, startAfter: new Date() });
  }

  private async purge(): Promise<void> {
    // Queued before the purge: a failing purge is retried, and the next one is in place anyway.
    await this.jobs.send(
      sessionPurgeJob,
      {},
      { key: nextPurgeKey, startAfter: new Date(Date.now() + this.intervalMs) },
    );
    await purgeExpiredSessions(this.pool);
  }
}
