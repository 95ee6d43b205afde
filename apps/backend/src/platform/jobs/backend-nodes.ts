import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { BackendNode } from '@vox/shared';
import { jobSchema } from './job-tables.ts';

/** A backend not seen for this long has stopped: its jobs go to the others. */
export const defaultStaleAfterMs = 30_000;

export interface OrphanedRun {
  jobId: string;
  /** the pg-boss queue (a per-backend queue's name includes its node) */
  queue: string;
  nodeId: string;
}

/**
 * This backend's name among those sharing the database: kept in its data directory, so a backend
 * started again on the same directory knows the jobs it was running when it died are its own.
 */
export async function backendNodeId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'node-id');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const nodeId = `${os.hostname()}-${crypto.randomBytes(3).toString('hex')}`;
  await fs.writeFile(file, `${nodeId}\n`, { flag: 'wx' }).catch(async (error: unknown) => {
    // Two processes started on one directory at once: the first one's name wins.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return (await fs.readFile(file, 'utf8')).trim();
}

/**
 * The backends sharing one database, and which of them runs which job. pg-boss hands a job whose
 * run outlives its expiry to another backend; with this, a backend that died is noticed within
 * half a minute (or at once, when it starts again) and its jobs are failed over to be retried.
 */
export class BackendNodes {
  private timer: NodeJS.Timeout | undefined;
  /** since when heartbeats have succeeded without a break: until this node has been up as long
   *  as a peer may go unseen, a peer's silence may be the database's, not the peer's */
  private healthySince: number | undefined;
  private beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PgBoss.Db,
    readonly nodeId: string,
    private readonly failOver: (orphans: OrphanedRun[]) => Promise<void>,
    private readonly log: Logger,
    private readonly staleAfterMs = defaultStaleAfterMs,
  ) {}

  /** Registers this backend and fails over the runs it had when it stopped last. */
  async start(): Promise<void> {
    await this.db.executeSql(
      `INSERT INTO backend_nodes (node_id) VALUES ($1)
       ON CONFLICT (node_id) DO UPDATE SET started_at = now(), seen_at = now()`,
      [this.nodeId],
    );
    this.healthySince = Date.now();
    await this.failOverRuns('r.node_id = $1');
    // Six heartbeats per stale period: a peer is not given up on for one late or lost beat.
    this.timer = setInterval(() => {
      this.beating = this.beating.then(() => this.heartbeat());
    }, this.staleAfterMs / 6);
  }

  /** Deregisters this backend; its runs have ended (or were failed over by pg-boss's stop). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.db.executeSql('DELETE FROM job_runs WHERE node_id = $1', [this.nodeId]);
    await this.db.executeSql('DELETE FROM backend_nodes WHERE node_id = $1', [this.nodeId]);
  }

  async runStarted(jobId: string, queue: string): Promise<void> {
    await this.db.executeSql(
      `INSERT INTO job_runs (job_id, queue, node_id) VALUES ($1, $2, $3)
       ON CONFLICT (job_id) DO UPDATE SET node_id = EXCLUDED.node_id, started_at = now()`,
      [jobId, queue, this.nodeId],
    );
  }

  async runEnded(jobId: string): Promise<void> {
    await this.db.executeSql('DELETE FROM job_runs WHERE job_id = $1 AND node_id = $2', [jobId, this.nodeId]);
  }

  async list(): Promise<BackendNode[]> {
    const result = await this.db.executeSql(
      `SELECT n.node_id, n.started_at, n.seen_at, count(r.job_id) AS running
         FROM backend_nodes n LEFT JOIN job_runs r ON r.node_id = n.node_id
        GROUP BY n.node_id ORDER BY n.started_at`,
      [],
    );
    return (result.rows as { node_id: string; started_at: Date; seen_at: Date; running: string }[]).map((row) => ({
      nodeId: row.node_id,
      startedAt: row.started_at.toISOString(),
      seenAt: row.seen_at.toISOString(),
      alive: Date.now() - row.seen_at.getTime() < this.staleAfterMs,
      running: Number(row.running),
      self: row.node_id === this.nodeId,
    }));
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.db.executeSql('UPDATE backend_nodes SET seen_at = now() WHERE node_id = $1', [this.nodeId]);
      this.healthySince ??= Date.now();
      if (Date.now() - this.healthySince < this.staleAfterMs) return;
      await this.failOverRuns(
        `r.node_id <> $1 AND NOT EXISTS (SELECT 1 FROM backend_nodes n WHERE n.node_id = r.node_id
           AND n.seen_at > now() - make_interval(secs => ${this.staleAfterMs / 1000}))`,
      );
    } catch (error) {
      // The job queue logs the database's absence; here it only means peers cannot be judged.
      this.healthySince = undefined;
      this.log.debug({ err: error }, 'backend heartbeat failed');
    }
  }

  /** Fails over the active jobs whose runs match `condition` ($1 is this node), and forgets ended runs. */
  private async failOverRuns(condition: string): Promise<void> {
    const result = await this.db.executeSql(
      `SELECT r.job_id, r.queue, r.node_id FROM job_runs r
        WHERE ${condition}
          AND EXISTS (SELECT 1 FROM ${jobSchema}.job j WHERE j.id = r.job_id AND j.name = r.queue AND j.state = 'active')`,
      [this.nodeId],
    );
    const orphans = (result.rows as { job_id: string; queue: string; node_id: string }[]).map((row) => ({
      jobId: row.job_id,
      queue: row.queue,
      nodeId: row.node_id,
    }));
    if (orphans.length > 0) {
      this.log.warn(
        `jobs: ${orphans.length} job(s) were running on ${[...new Set(orphans.map((o) => o.nodeId))].join(', ')} when it stopped; they run again`,
      );
      await this.failOver(orphans);
    }
    await this.db.executeSql(
      `DELETE FROM job_runs r WHERE NOT EXISTS (SELECT 1 FROM ${jobSchema}.job j WHERE j.id = r.job_id AND j.state = 'active')`,
      [],
    );
  }
}
