import type PgBoss from 'pg-boss';
import { baseQueueSql } from './job-tables.ts';
import { jobQueueNameSchema, type JobOverview, type JobQueueCounts, type JobQueueName } from '@vox/shared';

interface StateCount {
  name: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  jobs: string;
}

interface TroubledRow {
  id: string;
  name: string;
  state: 'retry' | 'failed';
  data: unknown;
  output: { message?: unknown } | null;
  retry_count: number;
  retry_limit: number;
  start_after: Date;
  created_on: Date;
}

interface RunningRow {
  id: string;
  name: string;
  data: unknown;
  started_on: Date;
  node_id: string;
}

/** At most this many running and this many troubled jobs are listed. */
const troubledLimit = 100;

/**
 * What an admin sees of the job queues: counts per queue and state, the jobs running and where,
 * and the jobs that failed at least once, read straight from pg-boss's table (its own API counts
 * one queue at a time and does not know which backend runs a job).
 */
export async function readJobOverview(
  db: PgBoss.Db,
  schema: string,
  subjectOf: (queue: JobQueueName, data: unknown) => string,
): Promise<Omit<JobOverview, 'nodes'>> {
  const counts = await db.executeSql(
    `SELECT ${baseQueueSql} AS name, state, count(*) AS jobs FROM ${schema}.job GROUP BY 1, 2`,
    [],
  );
  const queues = new Map<JobQueueName, JobQueueCounts>(
    jobQueueNameSchema.options.map((queue) => [
      queue,
      { queue, waiting: 0, retrying: 0, running: 0, failed: 0, completed: 0 },
    ]),
  );
  for (const row of counts.rows as StateCount[]) {
    const entry = queues.get(row.name as JobQueueName);
    if (!entry) continue;
    const jobs = Number(row.jobs);
    if (row.state === 'created') entry.waiting += jobs;
    else if (row.state === 'retry') entry.retrying += jobs;
    else if (row.state === 'active') entry.running += jobs;
    else if (row.state === 'failed') entry.failed += jobs;
    else if (row.state === 'completed') entry.completed += jobs;
  }
  const troubled = await db.executeSql(
    `SELECT id, ${baseQueueSql} AS name, state, data, output, retry_count, retry_limit, start_after, created_on
       FROM ${schema}.job WHERE state IN ('retry', 'failed') ORDER BY created_on DESC LIMIT ${troubledLimit}`,
    [],
  );
  const running = await db.executeSql(
    `SELECT j.id, split_part(j.name, '/', 1) AS name, j.data, j.started_on, r.node_id FROM ${schema}.job j
       JOIN job_runs r ON r.job_id = j.id WHERE j.state = 'active' ORDER BY j.started_on LIMIT ${troubledLimit}`,
    [],
  );
  return {
    queues: [...queues.values()],
    running: ofKnownQueues(running.rows as RunningRow[], (row, queue) => ({
      id: row.id,
      queue,
      subject: subjectOf(queue, row.data),
      nodeId: row.node_id,
      startedAt: row.started_on.toISOString(),
    })),
    troubled: ofKnownQueues(troubled.rows as TroubledRow[], (row, queue) => ({
      id: row.id,
      queue,
      state: row.state === 'retry' ? ('retrying' as const) : ('failed' as const),
      subject: subjectOf(queue, row.data),
      attempts: row.retry_count + 1,
      maxAttempts: row.retry_limit + 1,
      error: typeof row.output?.message === 'string' ? row.output.message : 'no error recorded',
      ...(row.state === 'retry' ? { nextAttemptAt: row.start_after.toISOString() } : {}),
      createdAt: row.created_on.toISOString(),
    })),
  };
}

/** Rows of the queues this Vox knows, mapped; a queue of another version's is left out. */
function ofKnownQueues<R extends { name: string }, T>(rows: R[], map: (row: R, queue: JobQueueName) => T): T[] {
  return rows.flatMap((row) => {
    const queue = jobQueueNameSchema.safeParse(row.name);
    return queue.success ? [map(row, queue.data)] : [];
  });
}
