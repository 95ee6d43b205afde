import fs from 'node:fs/promises';
import type { Readiness, ReadinessCheck } from '@vox/shared';
import type { MediaEngineLoad } from '../../telephony/mcp/audio-engine/media-engine.ts';
import { errorMessage } from '@vox/shared';

/** What the readiness check asks; each part is the real component, reached through one call. */
export interface ReadinessSources {
  /** a round trip to the metadata database (`SELECT 1`) */
  database(): Promise<unknown>;
  storage: { kind: 'local' | 'webdav'; probe(timeoutMs: number): Promise<void> };
  mediaEngine(): MediaEngineLoad;
  /** the data directory: recordings are written there before storage has them */
  dataDir: string;
  minFreeBytes: number;
}

/** How long one check may take: a probe that hangs is a dependency that is not there. */
export const checkTimeoutMs = 2000;
/**
 * A worker this far behind its clock is dropping audio (the SIPREC streams are placed within a
 * 500 ms render delay), and one silent this long is stuck: it reports its load every second.
 */
export const maxEngineLagMs = 1000;
export const maxEngineSilenceMs = 5000;

async function withinDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  return errorMessage(error);
}

/** Thrown by a probe whose dependency answered but is not fit: it keeps what it measured. */
class NotFit<T> extends Error {
  constructor(
    message: string,
    readonly details: T,
  ) {
    super(message);
  }
}

/**
 * Runs `probe` within the deadline, timing it. A throw or a timeout is the check's reason for not
 * being ok; the details are then what a NotFit carried, or `unknown`.
 */
async function timed<T extends object>(what: string, probe: () => Promise<T>, unknown: T): Promise<ReadinessCheck & T> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const details = await withinDeadline(probe(), what);
    return { ...details, ok: true, ms: ms() };
  } catch (error) {
    const details = error instanceof NotFit ? (error.details as T) : unknown;
    return { ...details, ok: false, ms: ms(), reason: reasonOf(error) };
  }
}

/**
 * Whether this backend can take calls and recordings now: the database answers, storage answers
 * and takes writes, the media engine keeps up, and the data directory's disk has room. Unlike
 * `/healthz` (the process serves requests), a failed check says to send work elsewhere for now.
 */
export class BackendReadiness {
  /** one check at a time: callers arriving meanwhile share its answer instead of piling probes up */
  private running: Promise<Readiness> | undefined;

  constructor(private readonly sources: ReadinessSources) {}

  check(): Promise<Readiness> {
    this.running ??= this.checkAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkAll(): Promise<Readiness> {
    const [database, storage, mediaEngine, disk] = await Promise.all([
      timed(
        'the database',
        async () => {
          await this.sources.database();
          return {};
        },
        {},
      ),
      this.storage(),
      this.mediaEngine(),
      this.disk(),
    ]);
    const checks = { database, storage, mediaEngine, disk };
    const ready = Object.values(checks).every((c) => c.ok);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  private storage() {
    const { kind } = this.sources.storage;
    const what = kind === 'webdav' ? 'the WebDAV storage' : 'the media directory';
    const probe = async () => {
      await this.sources.storage.probe(checkTimeoutMs);
      return { kind };
    };
    return timed(what, probe, { kind });
  }

  /** In process: the workers' last reports are at hand, so this one needs no deadline. */
  private mediaEngine() {
    const started = performance.now();
    const load = this.sources.mediaEngine();
    const details = { workers: load.workers, lagMs: load.maxLateMs };
    const problem =
      load.workers === 0
        ? 'the media engine has no workers'
        : load.maxSilentMs > maxEngineSilenceMs
          ? `a media worker has not reported for ${Math.round(load.maxSilentMs)} ms (stuck)`
          : load.maxLateMs > maxEngineLagMs
            ? `a media worker runs ${Math.round(load.maxLateMs)} ms behind its clock (over ${maxEngineLagMs} ms)`
            : undefined;
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return problem ? { ...details, ok: false, ms, reason: problem } : { ...details, ok: true, ms };
  }

  private disk() {
    const { dataDir, minFreeBytes } = this.sources;
    return timed(
      'the data directory',
      async () => {
        const stats = await fs.statfs(dataDir);
        const freeBytes = stats.bavail * stats.bsize;
        if (freeBytes < minFreeBytes) {
          throw new NotFit(
            `${dataDir} has ${megabytes(freeBytes)} MB free, under VOX_MIN_FREE_DISK_MB (${megabytes(minFreeBytes)} MB)`,
            { freeBytes, minFreeBytes },
          );
        }
        return { freeBytes, minFreeBytes };
      },
      { freeBytes: 0, minFreeBytes },
    );
  }
}

function megabytes(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}
