import type { CallDetailsStore } from './call-details.ts';

/**
 * Every minute, forgets the details of calls that ended over ten minutes ago and whose recordings
 * are all stored: nothing of theirs in a recording journal, nothing in the storage outbox. While
 * the database cannot say what the outbox holds, nothing is forgotten.
 */
export class CallDetailsSweep {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: CallDetailsStore,
    /** the calls a recording still waits on */
    private readonly stillNeeded: () => Promise<ReadonlySet<string>>,
    private readonly keepMs = 10 * 60_000,
    private readonly everyMs = 60_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep().catch(() => 0), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Forgets what can be forgotten now; how many calls. */
  async sweep(now = Date.now()): Promise<number> {
    return this.store.forgetEnded(this.keepMs, await this.stillNeeded(), now);
  }
}
