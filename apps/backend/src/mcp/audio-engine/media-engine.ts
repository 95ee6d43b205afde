import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type {
  CaptureEngine,
  CaptureHandle,
  CaptureOptions,
  CapturedMedia,
  RtpCaptureHandle,
  RtpCaptureListener,
  RtpStreamSpec,
} from '../capture-engine.ts';
import type { SpokenPhrases } from './espeak-phrases.ts';
import type { CapturedMediaMessage, FromMediaWorker, ToMediaWorker } from './media-worker-protocol.ts';

interface PendingStop {
  resolve: (media: CapturedMedia) => void;
  reject: (error: Error) => void;
}

/** An RTP capture's listener and the news the main thread keeps of it. */
interface RtpCaptureState {
  listener: RtpCaptureListener;
  bound: { resolve: () => void; reject: (error: Error) => void };
  lastPacketAt: number;
}

/** One worker thread and what runs on it. */
interface MediaWorker {
  thread: Worker;
  captures: Set<number>;
  load: { captures: number; busyMs: number; maxLateMs: number };
  /** when it last reported its load (every second while its event loop runs), or was spawned */
  reportedAt: number;
}

export interface MediaEngineLoad {
  workers: number;
  captures: number;
  /** seconds per second each worker spent in its render ticks (wall clock), summed */
  busyShare: number;
  /** the most a worker's clock ran late over the last second */
  maxLateMs: number;
  /** how long ago the quietest worker last reported: a worker stuck in a loop stops reporting */
  maxSilentMs: number;
}

const workerEntry = new URL('./media-worker-entry.mjs', import.meta.url);

/**
 * The MCPs' media engine: a fixed pool of worker threads that capture and encode in process
 * (LAME in WebAssembly for MP3, G.711 in JavaScript), no ffmpeg per call. Each capture lives on
 * the least loaded worker; the main thread only sends small control messages. A worker that dies
 * fails its captures (their `stop()` rejects) and is replaced.
 */
export class MediaEngine implements CaptureEngine {
  private readonly workers: MediaWorker[] = [];
  private readonly pendingStops = new Map<number, PendingStop>();
  private readonly failureListeners = new Map<number, (error: Error) => void>();
  private readonly failures = new Map<number, Error>();
  private readonly rtpCaptures = new Map<number, RtpCaptureState>();
  private nextId = 1;
  private closed = false;
  private failed = 0;
  private readonly log: (message: string, error?: unknown) => void;

  /** what the parties say: espeak-ng's phrases, or the generated voices when undefined */
  private readonly phrases: SpokenPhrases | undefined;

  constructor(
    options: {
      workers?: number;
      phrases?: SpokenPhrases;
      log?: (message: string, error?: unknown) => void;
    } = {},
  ) {
    const count = options.workers ?? Math.max(1, os.availableParallelism());
    this.log = options.log ?? (() => {});
    this.phrases = options.phrases;
    for (let i = 0; i < count; i++) this.workers.push(this.spawn());
  }

  get speech(): 'espeak-ng' | 'generated' {
    return this.phrases ? 'espeak-ng' : 'generated';
  }

  get activeCaptures(): number {
    return this.workers.reduce((n, w) => n + w.captures.size, 0);
  }

  /** Captures that failed (their worker died or reported an error): their media is lost. */
  get failedCaptures(): number {
    return this.failed;
  }

  /** What the workers reported over the last second (benchmarks print it, readiness reads it). */
  load(): MediaEngineLoad {
    const now = Date.now();
    return {
      workers: this.workers.length,
      captures: this.activeCaptures,
      busyShare: this.workers.reduce((sum, w) => sum + w.load.busyMs / 1000, 0),
      maxLateMs: Math.max(0, ...this.workers.map((w) => w.load.maxLateMs)),
      maxSilentMs: Math.max(0, ...this.workers.map((w) => now - w.reportedAt)),
    };
  }

  start(options: CaptureOptions): CaptureHandle {
    return this.startCapture(this.nextId++, options);
  }

  startRtp(options: CaptureOptions & { rtp: RtpStreamSpec[] }, listener: RtpCaptureListener): RtpCaptureHandle {
    const id = this.nextId++;
    let bound!: RtpCaptureState['bound'];
    const boundPromise = new Promise<void>((resolve, reject) => {
      bound = { resolve, reject };
    });
    // A capture that fails before it is bound rejects `bound`; nobody may be waiting on it later.
    boundPromise.catch(() => undefined);
    const state: RtpCaptureState = { listener, bound, lastPacketAt: options.startTime };
    this.rtpCaptures.set(id, state);
    const handle = this.startCapture(id, options);
    return { ...handle, bound: boundPromise, lastPacketAt: () => state.lastPacketAt };
  }

  private startCapture(id: number, options: CaptureOptions): CaptureHandle {
    if (this.closed) throw new Error('the media engine is closed');
    const worker = [...this.workers].sort((a, b) => a.captures.size - b.captures.size)[0]!;
    worker.captures.add(id);
    this.post(worker, { type: 'start', id, options });
    const send = (message: ToMediaWorker) => {
      if (worker.captures.has(id)) this.post(worker, message);
    };
    return {
      pause: (at) => send({ type: 'pause', id, at }),
      resume: (at) => send({ type: 'resume', id, at }),
      keyDigits: (side, digits, at) => send({ type: 'digits', id, side, digits, at }),
      onFailure: (listener) => {
        if (worker.captures.has(id)) this.failureListeners.set(id, listener);
      },
      stop: (at) =>
        new Promise<CapturedMedia>((resolve, reject) => {
          const failure = this.failures.get(id);
          if (failure || !worker.captures.has(id)) {
            this.failures.delete(id);
            reject(failure ?? new Error(`capture ${id} is not running`));
            return;
          }
          this.failureListeners.delete(id);
          this.pendingStops.set(id, { resolve, reject });
          this.post(worker, { type: 'stop', id, at });
        }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => this.endWorker(worker, 0)));
  }

  /** Asks a worker to end itself; forces it only if it has not after 5 s. */
  private async endWorker(worker: MediaWorker, code: number): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.thread.once('exit', () => resolve()));
    this.post(worker, { type: 'exit', code });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') await worker.thread.terminate();
  }

  private post(worker: MediaWorker, message: ToMediaWorker): void {
    worker.thread.postMessage(message);
  }

  private spawn(): MediaWorker {
    const worker: MediaWorker = {
      thread: new Worker(workerEntry, { workerData: { phrases: this.phrases } }),
      captures: new Set(),
      load: { captures: 0, busyMs: 0, maxLateMs: 0 },
      reportedAt: Date.now(),
    };
    worker.thread.on('message', (message: FromMediaWorker) => this.onMessage(worker, message));
    worker.thread.on('error', (error) => this.log('a media worker failed', error));
    worker.thread.on('exit', (code) => {
      if (this.closed) return;
      // Every capture on it ends: a new worker takes its place first, so the owners that start
      // their recording again (failure listeners) land on a live one; the others hear it from stop().
      const error = new Error(`the media worker running this capture exited with code ${code}`);
      const lost = [...worker.captures];
      worker.captures.clear();
      const index = this.workers.indexOf(worker);
      if (index >= 0) this.workers[index] = this.spawn();
      this.failed += lost.length;
      for (const id of lost) this.fail(id, error);
    });
    return worker;
  }

  private onMessage(worker: MediaWorker, message: FromMediaWorker): void {
    if (message.type === 'load') {
      worker.load = message;
      worker.reportedAt = Date.now();
      for (const [id, at] of message.lastPackets) {
        const rtp = this.rtpCaptures.get(id);
        if (rtp) rtp.lastPacketAt = at;
      }
      return;
    }
    if (message.type === 'bound') {
      this.rtpCaptures.get(message.id)?.bound.resolve();
      return;
    }
    if (message.type === 'digit') {
      this.rtpCaptures.get(message.id)?.listener.digit(message.side, message.digit, message.atMs);
      return;
    }
    // A worker may report a capture's failure more than once; it is one failed capture.
    const wasRunning = worker.captures.delete(message.id);
    this.rtpCaptures.delete(message.id);
    if (message.type === 'stopped') {
      const pending = this.pendingStops.get(message.id);
      this.pendingStops.delete(message.id);
      pending?.resolve(toCapturedMedia(message.captured));
      return;
    }
    if (wasRunning) this.failed++;
    this.fail(message.id, new Error(message.message));
  }

  private fail(id: number, error: Error): void {
    this.rtpCaptures.get(id)?.bound.reject(error);
    this.rtpCaptures.delete(id);
    const pending = this.pendingStops.get(id);
    this.pendingStops.delete(id);
    const listener = this.failureListeners.get(id);
    this.failureListeners.delete(id);
    // Whoever listens owns the failure; otherwise the next stop() hears of it.
    if (pending) pending.reject(error);
    else if (listener) listener(error);
    else this.failures.set(id, error);
  }

  /** For tests: worker `index` exits with code 1, as a crashed one would. */
  crashWorker(index = 0): Promise<void> {
    return this.endWorker(this.workers[index]!, 1);
  }
}

function toCapturedMedia(message: CapturedMediaMessage): CapturedMedia {
  return { ...message, startTime: new Date(message.startTime), stopTime: new Date(message.stopTime) };
}
