import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../../test-support/test-logger.ts';
import { until } from '../../test-support/polling.ts';
import { embeddedTestDatabase } from '../../test-support/test-database.ts';
import { JobQueue, type JobQueueDefinition } from './job-queue.ts';

/** The job queue on a real PostgreSQL, with two "backends" (two JobQueues) sharing it. */
const database = embeddedTestDatabase('vox-jobs-');
const started: JobQueue[] = [];

afterEach(async () => {
  for (const queue of started.splice(0).reverse()) await queue.stop();
});

async function backend(nodeId: string, staleAfterMs?: number): Promise<JobQueue> {
  const queue = await JobQueue.start({
    databaseUrl: database().url,
    nodeId,
    log: silentLogger,
    ...(staleAfterMs ? { staleAfterMs } : {}),
  });
  started.push(queue);
  return queue;
}

const numbered = z.object({ n: z.number() });
type Numbered = z.infer<typeof numbered>;

function definition(
  name: JobQueueDefinition<Numbered>['name'],
  retryLimit: number,
  concurrency = 1,
): JobQueueDefinition<Numbered> {
  return { name, data: numbered, retryLimit, expireInSeconds: 60, concurrency, subject: ({ n }) => `job ${n}` };
}

describe('two backends on one database', () => {
  it('run every job exactly once, each taking a share', async () => {
    const jobs = definition('keep-call-ladder', 0, 2);
    const runs = new Map<number, string[]>();
    const worker =
      (node: string) =>
      async ({ n }: Numbered) => {
        runs.set(n, [...(runs.get(n) ?? []), node]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
    const a = await backend('node-a');
    const b = await backend('node-b');
    await a.work(jobs, worker('node-a'));
    await b.work(jobs, worker('node-b'));
    for (let n = 0; n < 80; n++) await (n % 2 === 0 ? a : b).send(jobs, { n });
    await until('every job run', async () => (runs.size === 80 ? true : undefined));
    await a.settle(10_000);
    expect([...runs.values()].filter((nodes) => nodes.length !== 1)).toEqual([]);
    const byNode = [...runs.values()].flat();
    expect(byNode.filter((node) => node === 'node-a').length).toBeGreaterThan(0);
    expect(byNode.filter((node) => node === 'node-b').length).toBeGreaterThan(0);
    const overview = await a.overview();
    expect(overview.queues.find((q) => q.queue === 'keep-call-ladder')).toMatchObject({ completed: 80, waiting: 0 });
    expect(overview.nodes.map((node) => [node.nodeId, node.alive])).toEqual([
      ['node-a', true],
      ['node-b', true],
    ]);
  });
});

describe('a job that fails', () => {
  it('is retried with a doubling backoff, then stays failed, listed, until an admin retries it', async () => {
    const jobs = definition('analyse-interaction', 2);
    const runsAt: number[] = [];
    let storageUp = false;
    const a = await backend('node-a');
    await a.work(jobs, async () => {
      runsAt.push(Date.now());
      if (!storageUp) throw new Error('storage answered 503');
    });
    const id = (await a.send(jobs, { n: 7 }))!;
    const failed = await until(
      'the job failed for good',
      async () => (await a.overview()).troubled.find((job) => job.id === id && job.state === 'failed'),
      20_000,
    );
    expect(failed).toMatchObject({
      queue: 'analyse-interaction',
      subject: 'job 7',
      attempts: 3,
      maxAttempts: 3,
      error: 'storage answered 503',
    });
    expect(runsAt).toHaveLength(3);
    // 1-2 s, then 2-4 s (with jitter), measured from run to run
    expect(runsAt[1]! - runsAt[0]!).toBeGreaterThanOrEqual(1000);
    expect(runsAt[2]! - runsAt[1]!).toBeGreaterThanOrEqual(2000);

    storageUp = true;
    expect(await a.retry('analyse-interaction', id)).toBe(true);
    await until('the retried job done', async () => (runsAt.length === 4 ? true : undefined));
    await until('the job no longer listed', async () =>
      (await a.overview()).troubled.some((job) => job.id === id) ? undefined : true,
    );
    expect(await a.retry('analyse-interaction', id)).toBe(false);
  });
});

describe('a backend that died mid-run', () => {
  it('has its run taken over at once when it starts again on its data directory', async () => {
    const jobs = definition('mux-screen', 3);
    let releaseDeadRun: () => void = () => {};
    const runs: string[] = [];
    const dead = await backend('node-a');
    await dead.work(jobs, async () => {
      runs.push('dead');
      await new Promise<void>((resolve) => (releaseDeadRun = resolve));
    });
    await dead.send(jobs, { n: 1 });
    await until('the run started', async () => (runs.length === 1 ? true : undefined));
    const overview = await dead.overview();
    expect(overview.running).toMatchObject([{ queue: 'mux-screen', subject: 'job 1', nodeId: 'node-a' }]);

    // The same node id: the backend started again, while the old process's run hangs on.
    const again = await backend('node-a');
    await again.work(jobs, async () => {
      runs.push('again');
    });
    await until('the run taken over', async () => (runs.length === 2 ? true : undefined), 10_000);
    expect(runs).toEqual(['dead', 'again']);
    releaseDeadRun();
  });
});

describe('a backend that stopped being seen', () => {
  it('has its runs taken over by another once it has been silent for the stale period', async () => {
    const jobs = definition('keep-call-ladder', 3);
    const runs: string[] = [];
    // What a backend killed mid-run leaves in the database: the job active, noted as its run, and
    // its last heartbeat long ago.
    const sender = await backend('node-sender');
    const id = (await sender.send(jobs, { n: 1 }))!;
    await database().pool.query("UPDATE vox_jobs.job SET state = 'active', started_on = now() WHERE id = $1", [id]);
    await database().pool.query(
      "INSERT INTO backend_nodes (node_id, seen_at) VALUES ('node-silent', now() - interval '1 hour')",
    );
    await database().pool.query(
      "INSERT INTO job_runs (job_id, queue, node_id) VALUES ($1, 'keep-call-ladder', 'node-silent')",
      [id],
    );
    const other = await backend('node-other', 1500);
    await other.work(jobs, async () => {
      runs.push('other');
    });
    await until('the run taken over', async () => (runs.length === 1 ? true : undefined), 15_000);
    expect(runs).toEqual(['other']);
    const nodes = (await other.overview()).nodes.map((node) => [node.nodeId, node.alive]);
    expect(nodes).toContainEqual(['node-silent', false]);
    expect(nodes).toContainEqual(['node-other', true]);
  });
});

describe('a per-backend queue', () => {
  it('is run only by the backend that queued it (its input is on that backend’s disk)', async () => {
    const jobs: JobQueueDefinition<Numbered> = { ...definition('store-media', 0), perBackend: true };
    const runs: string[] = [];
    const a = await backend('node-a');
    const b = await backend('node-b');
    await b.work(jobs, async ({ n }) => {
      runs.push(`b ran ${n}`);
    });
    await a.send(jobs, { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(runs).toEqual([]);
    await a.work(jobs, async ({ n }) => {
      runs.push(`a ran ${n}`);
    });
    await until('the job run by its backend', async () => (runs.length === 1 ? true : undefined));
    expect(runs).toEqual(['a ran 1']);
    expect((await b.overview()).queues.find((q) => q.queue === 'store-media')).toMatchObject({ completed: 1 });
  });
});

describe('settle()', () => {
  it('waits for the jobs queued here and the jobs those queue in turn', async () => {
    const first = definition('store-media', 0);
    const second = definition('post-media-metadata', 0);
    const done: string[] = [];
    const a = await backend('node-a');
    await a.work(first, async ({ n }) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      done.push(`stored ${n}`);
      await a.send(second, { n });
    });
    await a.work(second, async ({ n }) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      done.push(`posted ${n}`);
    });
    await a.send(first, { n: 1 });
    await a.send(first, { n: 2 });
    await a.settle(20_000);
    expect(done.sort()).toEqual(['posted 1', 'posted 2', 'stored 1', 'stored 2']);
  });
});
