import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../platform/jobs/job-queue.ts';
import { until } from '../../test-support/polling.ts';
import { embeddedTestDatabase } from '../../test-support/test-database.ts';
import { silentLogger } from '../../test-support/test-logger.ts';
import { PurgeSchedule } from './purge-schedule.ts';
import type { RecordingLifecycle } from './recording-lifecycle.ts';

const database = embeddedTestDatabase('vox-purge-schedule-');

/** A lifecycle that only counts the purges it is asked for. */
function countingLifecycle(purges: string[]): RecordingLifecycle {
  return {
    purge: async (_dryRun: boolean, requester: { actor: string }) => {
      purges.push(requester.actor);
      return { dryRun: false, recordings: [], keptByLegalHold: 0, failed: [] };
    },
  } as unknown as RecordingLifecycle;
}

describe('the daily retention purge', () => {
  it('runs a missed day at once, once however many backends start, and queues the next day', async () => {
    const purges: string[] = [];
    const now = new Date();
    // A time already past today: the day's run was missed while no backend ran.
    const atUtc = '00:00';
    const first = await JobQueue.start({ databaseUrl: database().url, nodeId: 'node-a', log: silentLogger });
    const schedule = new PurgeSchedule(countingLifecycle(purges), first, atUtc, silentLogger);
    await schedule.start(now);
    await until('the missed purge run', async () => (purges.length === 1 ? true : undefined));
    expect(purges).toEqual(['system']);

    // Another backend starting the same day (or this one again) does not purge the day again.
    const second = await JobQueue.start({ databaseUrl: database().url, nodeId: 'node-b', log: silentLogger });
    await new PurgeSchedule(countingLifecycle(purges), second, atUtc, silentLogger).start(now);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(purges).toHaveLength(1);

    const overview = await second.overview();
    expect(overview.queues.find((q) => q.queue === 'retention-purge')).toMatchObject({ waiting: 1, completed: 1 });
    const tomorrow = new Date(now.getTime() + 24 * 3600_000).toISOString().slice(0, 10);
    const waiting = await database().pool.query<{ start_after: Date; data: { day: string } }>(
      "SELECT start_after, data FROM vox_jobs.job WHERE name = 'retention-purge' AND state = 'created'",
    );
    expect(waiting.rows.map((row) => [row.data.day, row.start_after.toISOString()])).toEqual([
      [tomorrow, schedule.runAt(tomorrow).toISOString()],
    ]);
    await second.stop();
    await first.stop();
  }, 30_000);
});
