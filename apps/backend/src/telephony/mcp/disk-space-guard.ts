import fs from 'node:fs/promises';
import type { Logger } from 'pino';

/** Free space must climb this far past the reserve before recording starts again (no flapping). */
const resumeFactor = 1.25;

/**
 * Watches the free space of the directory recordings are written to. Below the reserve the disk
 * counts as full: recordings stop while there is still room to seal their files and queue their
 * metadata, instead of failing mid-write when the disk is completely full. Once space is back (the
 * reserve and a quarter more), listeners hear it and recording goes on.
 */
export class DiskSpaceGuard {
  private readonly listeners = new Set<(full: boolean) => void>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  full = false;
  freeBytes = Number.POSITIVE_INFINITY;

  constructor(
    readonly directory: string,
    readonly reserveBytes: number,
    private readonly log: Logger,
  ) {}

  onChange(listener: (full: boolean) => void): void {
    this.listeners.add(listener);
  }

  /** Checks now, then every `everyMs`. */
  async start(everyMs = 1000): Promise<void> {
    await this.check();
    this.timer ??= setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes a write that failed for want of space (ENOSPC) as news that the disk is full. */
  noteFull(): void {
    this.set(true);
  }

  async check(): Promise<void> {
    if (this.checking || this.reserveBytes <= 0) return;
    this.checking = true;
    try {
      const stats = await fs.statfs(this.directory);
      this.freeBytes = stats.bavail * stats.bsize;
      if (!this.full && this.freeBytes < this.reserveBytes) this.set(true);
      else if (this.full && this.freeBytes >= this.reserveBytes * resumeFactor) this.set(false);
    } catch (error) {
      this.log.warn(`cannot read the free space of ${this.directory}: ${String(error)}`);
    } finally {
      this.checking = false;
    }
  }

  private set(full: boolean): void {
    if (this.full === full) return;
    this.full = full;
    const megabytes = Math.floor(this.freeBytes / (1024 * 1024));
    if (full) {
      this.log.error(
        `disk full: ${this.directory} has ${megabytes} MB free, under the reserve of ${Math.floor(this.reserveBytes / (1024 * 1024))} MB (VOX_DISK_RESERVE_MB); recordings stop until space is back`,
      );
    } else {
      this.log.info(`disk space is back: ${this.directory} has ${megabytes} MB free; recordings go on`);
    }
    for (const listener of this.listeners) listener(full);
  }
}

/** Whether an error is a write that failed for want of space. */
export function isDiskFull(error: unknown): boolean {
  return error instanceof Error && /ENOSPC|no space left on device/i.test(error.message);
}
