import crypto from 'node:crypto';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { errorMessage, type JobOverview, type JobQueueName } from '@vox/shared';
import { BackendNodes, type OrphanedRun } from './backend-nodes.ts';
import { readJobOverview } from './job-overview.ts';
import { baseQueueSql, jobSchema } from './job-tables.ts';

/**
 * The one retry policy: a failed run is tried again after about 1 s, then 2, 4, 8... (doubling,
 * with up to as much again of jitter so that a storage outage does not end in a burst), up to the
 * queue's `retryLimit` runs; then the job stays failed, listed for an admin, until retried.
 */
const retryDelaySeconds = 1;

/** Waiting, running, retrying, or failed and kept until an admin retries it. */
const unfinished = "state NOT IN ('completed', 'cancelled')";

/** What a backend does with one queue's jobs. */
export interface JobQueueDefinition<T> {
  name: JobQueueName;
  /** the job's data, checked when a job is read back from the database */
  data: z.ZodType<T>;
  /** runs after the first failed one */
  retryLimit: number;
  /**
   * How long one run may take. A run still going after this counts as failed and is retried: this
   * is also how a job whose backend was killed mid-run goes to another backend.
   */
  expireInSeconds: number;
  /** jobs of this queue one backend runs at once */
  concurrency: number;
  /** what a job works on, as the admin's job list shows it */
  subject(data: T): string;
  /** a job sent with the key of one still waiting is not queued again ('short' in pg-boss) */
  dedupeByKey?: boolean;
  /**
   * Run only by the backend that queued it: its input is on that backend's disk (a file its MCPs
   * wrote). Each backend has its own pg-boss queue, `<name>/<node id>`.
   */
  perBackend?: boolean;
}

export interface JobRun {
  id: string;
  /** 1 for the first run */
  attempt: number;
}

export interface SendOptions {
  /** with `dedupeByKey`: at most one waiting job per key */
  key?: string;
  /** not before then; the job is not one `settle()` waits for */
  startAfter?: Date;
  /** the same id twice queues one job: a deterministic id makes "once per day" a key of the id */
  id?: string;
}

export interface JobQueueOptions {
  databaseUrl: string;
  /** this backend's name among those sharing the database (backendNodeId()) */
  nodeId: string;
  log: Logger;
  /** how often an idle backend looks for jobs another one queued or due retries (2 s; the jobs it queues itself run at once) */
  pollingIntervalSeconds?: number;
  /** how often expired runs (a killed backend's) are failed over; pg-boss's maintenance interval */
  maintenanceIntervalSeconds?: number;
  /** how long a backend goes unseen before its running jobs are run again elsewhere (30 s) */
  staleAfterMs?: number;
}

/**
 * The backend's durable background work on pg-boss, in the PostgreSQL Vox already has: a job is
 * stored before anyone runs it, runs on exactly one backend at a time (row locks with SKIP LOCKED),
 * is retried with the one backoff policy, and survives restarts. Jobs this backend queues are
 * started at once; jobs other backends queued are found within the polling interval.
 */
export class JobQueue {
  private readonly definitions = new Map<JobQueueName, JobQueueDefinition<unknown>>();
  private readonly workerIds = new Map<JobQueueName, string[]>();
  /** the pg-boss queues this process has created or updated */
  private readonly queuesReady = new Map<string, Promise<void>>();
  /** jobs queued here and due now: what `settle()` waits for */
  private readonly pending = new Set<string>();
  private lastErrorLogAt = 0;
  private suppressedErrors = 0;

  private readonly nodes: BackendNodes;

  /** this backend's name among those sharing the database */
  get nodeId(): string {
    return this.options.nodeId;
  }

  private constructor(
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    private readonly options: JobQueueOptions,
  ) {
    this.nodes = new BackendNodes(
      boss.getDb(),
      options.nodeId,
      (orphans) => this.failOver(orphans),
      options.log,
      options.staleAfterMs,
    );
  }

  static async start(options: JobQueueOptions): Promise<JobQueue> {
    // Its own few connections, so that a burst of jobs never starves the API's pool.
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 4,
      application_name: 'vox-jobs',
      connectionTimeoutMillis: 15_000,
    });
    const boss = new PgBoss({
      db: { executeSql: (text, values) => pool.query(text, values) },
      schema: jobSchema,
      // The purges queue their own next runs (a day's purge once, by its id), so pg-boss's cron clock stays off.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
      // Completed and failed jobs stay listed for a day, then move to the archive for a week.
      archiveCompletedAfterSeconds: 24 * 3600,
      archiveFailedAfterSeconds: 7 * 24 * 3600,
      deleteAfterDays: 7,
    });
    const queue = new JobQueue(pool, boss, options);
    pool.on('error', (error) => queue.logError(error));
    boss.on('error', (error) => queue.logError(error));
    try {
      await boss.start();
      await queue.nodes.start();
    } catch (error) {
      await boss.stop({ graceful: false, close: false }).catch(() => {});
      await pool.end();
      throw error;
    }
    return queue;
  }

  /** Creates (or updates) the queue and starts this backend's workers for it. */
  async work<T>(definition: JobQueueDefinition<T>, handler: (data: T, run: JobRun) => Promise<void>): Promise<void> {
    const name = await this.ensureQueue(definition);
    const ids: string[] = [];
    for (let i = 0; i < definition.concurrency; i++) {
      let workerId = '';
      workerId = await this.boss.work<unknown>(
        name,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2 },
        async ([job]) => {
          if (!job) return;
          try {
            await this.run(definition, name, job, handler);
          } finally {
            this.pending.delete(job.id);
            // Looks for the next job at once: a backlog drains without waiting a poll per job.
            this.boss.notifyWorker(workerId);
          }
        },
      );
      ids.push(workerId);
    }
    this.workerIds.set(definition.name, ids);
  }

  /** Queues a job; undefined when one with the same key (or id) already waits. */
  async send<T>(definition: JobQueueDefinition<T>, data: T, options: SendOptions = {}): Promise<string | undefined> {
    const id = await this.boss.send(await this.ensureQueue(definition), definition.data.parse(data) as object, {
      ...(options.key !== undefined ? { singletonKey: options.key } : {}),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.id ? { id: options.id } : {}),
    });
    if (!id) return undefined;
    if (!options.startAfter) {
      this.pending.add(id);
      for (const workerId of this.workerIds.get(definition.name) ?? []) this.boss.notifyWorker(workerId);
    }
    return id;
  }

  /** Whether a job with this key is unfinished (waiting, running, retrying, or failed and kept for a retry). */
  async hasOpen(definition: JobQueueDefinition<unknown>, key: string): Promise<boolean> {
    const result = await this.boss
      .getDb()
      .executeSql(`SELECT 1 FROM ${jobSchema}.job WHERE name = $1 AND singleton_key = $2 AND ${unfinished} LIMIT 1`, [
        this.queueOf(definition),
        key,
      ]);
    return result.rows.length > 0;
  }

  /** The data of the unfinished jobs of these queues. */
  async openJobData(queues: readonly JobQueueName[]): Promise<unknown[]> {
    const result = await this.boss
      .getDb()
      .executeSql(`SELECT data FROM ${jobSchema}.job WHERE ${baseQueueSql} = ANY($1::text[]) AND ${unfinished}`, [
        queues,
      ]);
    return result.rows.map((row: { data: unknown }) => row.data);
  }

  /** How many jobs of these queues are unfinished, since when, and the latest failure's message (a job
   *  keeps it while it runs again). */
  async backlog(queues: readonly JobQueueName[]): Promise<{ jobs: number; oldest?: Date; lastError?: string }> {
    const result = await this.boss.getDb().executeSql(
      `SELECT count(*) AS jobs, min(created_on) AS oldest,
              (SELECT output->>'message' FROM ${jobSchema}.job
                WHERE ${baseQueueSql} = ANY($1::text[]) AND ${unfinished} AND output ? 'message'
                ORDER BY COALESCE(completed_on, started_on) DESC NULLS LAST LIMIT 1) AS last_error
         FROM ${jobSchema}.job WHERE ${baseQueueSql} = ANY($1::text[]) AND ${unfinished}`,
      [queues],
    );
    const row = result.rows[0] as { jobs: string; oldest: Date | null; last_error: string | null } | undefined;
    return {
      jobs: Number(row?.jobs ?? 0),
      ...(row?.oldest ? { oldest: row.oldest } : {}),
      ...(row?.last_error ? { lastError: row.last_error } : {}),
    };
  }

  /** How many of the definition's jobs (this backend's, for a per-backend queue) wait for a retry. */
  async retrying(definition: JobQueueDefinition<unknown>): Promise<number> {
    const result = await this.boss
      .getDb()
      .executeSql(`SELECT count(*) AS jobs FROM ${jobSchema}.job WHERE name = $1 AND state = 'retry'`, [
        this.queueOf(definition),
      ]);
    return Number((result.rows[0] as { jobs: string } | undefined)?.jobs ?? 0);
  }

  /**
   * Runs the definition's retrying jobs now instead of at the end of their backoff: what failed
   * for a reason that has gone (storage answers again) need not wait hours. Returns how many.
   */
  async retryNow(definition: JobQueueDefinition<unknown>): Promise<number> {
    const result = await this.boss
      .getDb()
      .executeSql(
        `UPDATE ${jobSchema}.job SET start_after = now() WHERE name = $1 AND state = 'retry' AND start_after > now()`,
        [this.queueOf(definition)],
      );
    for (const workerId of this.workerIds.get(definition.name) ?? []) this.boss.notifyWorker(workerId);
    return (result as unknown as { rowCount: number | null }).rowCount ?? 0;
  }

  /** Removes the queue's jobs that wait to run (not those running, retrying or done). */
  async deleteWaiting(definition: JobQueueDefinition<unknown>): Promise<void> {
    const queue = this.queueOf(definition);
    const waiting = await this.boss
      .getDb()
      .executeSql(`SELECT id FROM ${jobSchema}.job WHERE name = $1 AND state = 'created'`, [queue]);
    const ids = waiting.rows.map((row: { id: string }) => row.id);
    if (ids.length > 0) await this.boss.deleteJob(queue, ids);
  }

  /**
   * Waits until the jobs this backend queued to run now have run (or failed and wait for a retry),
   * and the jobs those queued in turn, for at most `timeoutMs`: a stopping backend stores what its
   * MCPs just finished. What is left runs at the next start, or on another backend.
   */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const ids = [...this.pending];
      const result = await this.boss
        .getDb()
        .executeSql(`SELECT id FROM ${jobSchema}.job WHERE id = ANY($1::uuid[]) AND state IN ('created', 'active')`, [
          ids,
        ]);
      const open = new Set(result.rows.map((row: { id: string }) => row.id));
      for (const id of ids) if (!open.has(id)) this.pending.delete(id);
      if (this.pending.size === 0) return;
      if (Date.now() >= deadline) {
        this.options.log.warn(`jobs: ${this.pending.size} job(s) not run before shutdown; they run at the next start`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async overview(): Promise<JobOverview> {
    const overview = await readJobOverview(this.boss.getDb(), jobSchema, (queue, data) => {
      const definition = this.definitions.get(queue);
      const parsed = definition?.data.safeParse(data);
      return parsed?.success ? definition!.subject(parsed.data) : '';
    });
    return { ...overview, nodes: await this.nodes.list() };
  }

  /** Runs a failed job again; false when the queue holds no failed job with this id. */
  async retry(queue: JobQueueName, id: string): Promise<boolean> {
    const failed = await this.boss
      .getDb()
      .executeSql(`SELECT name FROM ${jobSchema}.job WHERE id = $1 AND ${baseQueueSql} = $2 AND state = 'failed'`, [
        id,
        queue,
      ]);
    const name = (failed.rows[0] as { name: string } | undefined)?.name;
    if (!name) return false;
    const result = (await this.boss.retry(name, id)) as unknown as { affected: number };
    if (result.affected === 0) return false;
    for (const workerId of this.workerIds.get(queue) ?? []) this.boss.notifyWorker(workerId);
    return true;
  }

  /** Stops taking jobs and waits for the runs in progress (those still going after 30 s are failed, to be retried). */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000, close: false });
    await this.nodes.stop().catch((error: unknown) => this.logError(error as Error));
    await this.pool.end();
  }

  /** Runs whose backend stopped: failed now, so that the retry policy runs them again elsewhere. */
  private async failOver(orphans: OrphanedRun[]): Promise<void> {
    for (const orphan of orphans) {
      await this.boss.fail(orphan.queue, orphan.jobId, {
        message: `its backend ${orphan.nodeId} stopped while running it`,
      });
    }
  }

  private queueOf(definition: JobQueueDefinition<unknown>): string {
    return definition.perBackend ? `${definition.name}/${this.options.nodeId}` : definition.name;
  }

  /**
   * Creates the definition's pg-boss queue once per process, with its settings. pg-boss drops a job
   * sent to a queue that does not exist (its insert joins the queue table), so every send and
   * work comes through here first.
   */
  private async ensureQueue<T>(definition: JobQueueDefinition<T>): Promise<string> {
    const name = this.queueOf(definition);
    let ready = this.queuesReady.get(name);
    if (!ready) {
      const settings: PgBoss.Queue = {
        name,
        policy: definition.dedupeByKey ? 'short' : 'standard',
        retryLimit: definition.retryLimit,
        retryDelay: retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: definition.expireInSeconds,
      };
      // A queue made by an older Vox keeps its old settings otherwise.
      ready = this.boss.createQueue(name, settings).then(() => this.boss.updateQueue(name, settings));
      ready.catch(() => this.queuesReady.delete(name));
      this.queuesReady.set(name, ready);
      this.definitions.set(definition.name, definition as JobQueueDefinition<unknown>);
    }
    await ready;
    return name;
  }

  private async run<T>(
    definition: JobQueueDefinition<T>,
    queue: string,
    job: PgBoss.JobWithMetadata<unknown>,
    handler: (data: T, run: JobRun) => Promise<void>,
  ): Promise<void> {
    const attempt = job.retryCount + 1;
    let subject = job.id;
    try {
      await this.nodes.runStarted(job.id, queue);
      const data = definition.data.parse(job.data);
      subject = definition.subject(data);
      await handler(data, { id: job.id, attempt });
      await this.nodes.runEnded(job.id);
    } catch (error) {
      await this.nodes.runEnded(job.id).catch(() => {});
      const message = `${definition.name} ${subject}: run ${attempt} of ${definition.retryLimit + 1} failed`;
      // The first failure and the last are news; the runs between are in the admin's job list.
      if (attempt > definition.retryLimit) {
        this.options.log.error({ err: error }, `${message}; it stays failed until retried (vox jobs retry)`);
      } else {
        const level = attempt === 1 ? 'warn' : 'debug';
        this.options.log[level](`${message}, retrying within ${2 ** attempt} s: ${errorMessage(error)}`);
      }
      throw error;
    }
  }

  /** pg-boss reports every failed poll; a database outage is logged once a minute, not twice a second. */
  private logError(error: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLogAt < 60_000) {
      this.suppressedErrors++;
      return;
    }
    const more = this.suppressedErrors > 0 ? ` (and ${this.suppressedErrors} more errors since)` : '';
    this.options.log.warn(`jobs: ${error.message}${more}`);
    this.lastErrorLogAt = now;
    this.suppressedErrors = 0;
  }
}

/** A job id that is the same for the same key: "the purge of 2026-12-02" is queued once. */
export function jobIdFor(key: string): string {
  const hex = crypto.createHash('sha256').update(key).digest('hex');
  // Shaped as a version-5 (name-based) UUID, as pg-boss's uuid column and the API's schema expect.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
