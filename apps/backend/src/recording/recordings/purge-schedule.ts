import type { RecordingLifecycle } from './recording-lifecycle.ts';
import type { Logger } from 'pino';

const checkEveryMs = 60_000;

/**
 * Runs the retention purge once a day at `atUtc` (`HH:MM`, UTC), as the `system` actor. A run
 * missed while the backend was down happens at the first check after it starts.
 */
export class PurgeSchedule {
  private timer: NodeJS.Timeout | undefined;
  private lastRunDay: string | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly lifecycle: RecordingLifecycle,
    private readonly atUtc: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running = this.running.then(() => this.check(new Date()));
    }, checkEveryMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Purges if today's run is due and has not happened yet. */
  async check(now: Date): Promise<void> {
    const day = now.toISOString().slice(0, 10);
    if (this.lastRunDay === day || now.toISOString().slice(11, 16) < this.atUtc) return;
    this.lastRunDay = day;
    try {
      const result = await this.lifecycle.purge(false, { actor: 'system', source: 'retention schedule' });
      this.log.info(
        `retention purge: ${result.recordings.length} purged, ${result.keptByLegalHold} kept by legal hold, ${result.failed.length} failed`,
      );
    } catch (error) {
      this.log.error({ err: error }, 'retention purge failed; it runs again tomorrow, or now with `vox purge`');
    }
  }
}
