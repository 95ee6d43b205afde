import type { Logger } from 'pino';
import { z } from 'zod';
import { jobIdFor, type JobQueue, type JobQueueDefinition } from '../../platform/jobs/job-queue.ts';
import type { RecordingLifecycle } from './recording-lifecycle.ts';

const retentionPurgeJobSchema = z.object({ day: z.iso.date() });

/** One day's retention purge; a purge that fails is retried a few times, then waits for tomorrow's or `vox purge`. */
export const retentionPurgeJob: JobQueueDefinition<z.infer<typeof retentionPurgeJobSchema>> = {
  name: 'retention-purge',
  data: retentionPurgeJobSchema,
  retryLimit: 3,
  expireInSeconds: 3600,
  concurrency: 1,
  subject: (job) => `the purge of ${job.day}`,
};

const dayMs = 24 * 3600_000;

/**
 * Runs the retention purge once a day at `atUtc` (`HH:MM`, UTC), as the `system` actor, on
 * whichever backend takes the job. Each day's run is one job with an id made from the day, so
 * however many backends start, a day is purged once; each run queues the next day's. A run missed
 * while every backend was down happens as soon as one starts.
 */
export class PurgeSchedule {
  constructor(
    private readonly lifecycle: RecordingLifecycle,
    private readonly jobs: JobQueue,
    private readonly atUtc: string,
    private readonly log: Logger,
  ) {}

  async start(now = new Date()): Promise<void> {
    await this.jobs.work(retentionPurgeJob, ({ day }) => this.purge(day));
    // Days queued at another time of day (the setting changed) are queued again at this one.
    await this.jobs.deleteWaiting(retentionPurgeJob);
    const today = now.toISOString().slice(0, 10);
    await this.queue(today);
    await this.queue(nextDay(today));
  }

  /** When the purge of `day` runs. */
  runAt(day: string): Date {
    return new Date(`${day}T${this.atUtc}:00.000Z`);
  }

  private async queue(day: string): Promise<void> {
    await this.jobs.send(
      retentionPurgeJob,
      { day },
      { id: jobIdFor(`retention-purge ${day}`), startAfter: this.runAt(day) },
    );
  }

  private async purge(day: string): Promise<void> {
    // Queued first: a purge that fails for good still leaves tomorrow's in place.
    await this.queue(nextDay(day));
    const result = await this.lifecycle.purge(false, { actor: 'system', source: 'retention schedule' });
    this.log.info(
      `retention purge of ${day}: ${result.recordings.length} purged, ${result.keptByLegalHold} kept by legal hold, ${result.failed.length} failed`,
    );
  }
}

function nextDay(day: string): string {
  return new Date(new Date(`${day}T00:00:00.000Z`).getTime() + dayMs).toISOString().slice(0, 10);
}
