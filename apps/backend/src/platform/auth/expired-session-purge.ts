import type pg from 'pg';
import type { Logger } from 'pino';
import { purgeExpiredSessions } from './session-tokens.ts';

/** Often enough that the table holds no more than a few minutes of dead sessions. */
const longestIntervalMs = 10 * 60_000;
const shortestIntervalMs = 1000;

/**
 * Deletes expired sessions while the backend runs. They are refused anyway; this keeps the table
 * from growing with every login. A short token lifetime is purged as often as it expires.
 */
export class ExpiredSessionPurge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(
    private readonly pool: pg.Pool,
    tokenTtlMs: number,
    private readonly log: Logger,
  ) {
    this.intervalMs = Math.min(longestIntervalMs, Math.max(shortestIntervalMs, tokenTtlMs));
  }

  /** Purges now (what a stopped backend left) and then every interval. */
  start(): void {
    if (this.timer) return;
    const purge = () => {
      this.running = this.running.then(() => this.purge());
    };
    purge();
    this.timer = setInterval(purge, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async purge(): Promise<void> {
    try {
      await purgeExpiredSessions(this.pool);
    } catch (error) {
      this.log.warn({ err: error }, 'expired sessions could not be purged; the next purge tries again');
    }
  }
}
