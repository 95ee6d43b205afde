import os from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type {
  CaptureEngine,
  CaptureHandle,
  CaptureOptions,
  CapturedMedia,
  RtpCaptureHandle,
  RtpCaptureListener,
  RtpStreamSpec,
} from '../../../platform/media/capture-engine.ts';
import type { SpokenPhrases } from './espeak-phrases.ts';
import type { CapturedMediaMessage, FromMediaWorker, ToMediaWorker } from './media-worker-protocol.ts';
import type { FromRtpReceiver, ToRtpReceiver } from './rtp-receiver-protocol.ts';

interface PendingStop {
  resolve: (media: CapturedMedia) => void;
  reject: (error: Error) => void;
}

/** An RTP capture's listener and the news the main thread keeps of it. */
interface RtpCaptureState {
  worker: MediaWorker;
  listener: RtpCaptureListener;
  bound: { resolve: () => void; reject: (error: Error) => void };
  lastPacketAt: number;
}

/** One worker thread and what runs on it. */
interface MediaWorker {
  /** how the RTP receiver knows it: workers replaced after a crash get new numbers */
  key: number;
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
const receiverEntry = new URL('./rtp-receiver-entry.mjs', import.meta.url);

/**
 * The MCPs' media engine: a fixed pool of worker threads that capture and encode in process
 * (LAME in WebAssembly for MP3, G.711 in JavaScript), no ffmpeg per call. Each capture lives on
 * the least loaded worker; the main thread only sends small control messages. A worker that dies
 * fails its captures (their `stop()` rejects) and is replaced. Real calls' RTP arrives on one more
 * thread, the RTP receiver, which stamps each datagram as it comes and passes it to the capture's
 * worker: a worker busy encoding would stamp late, and audio is placed by arrival.
 */
export class MediaEngine implements CaptureEngine {
  private readonly workers: MediaWorker[] = [];
  private receiver: Worker;
  private nextWorkerKey = 1;
  private readonly pendingStops = new Map<number, PendingStop>();
  private readonly failureListeners = new Map<number, (error: Error) => void>();
  private readonly failures = new Map<number, Error>();
  private readonly rtpCaptures = new Map<number, RtpCaptureState>();
  private nextId = 1;
  private closed = false;
  private failed = 0;
  private readonly log: Logger;

  /** what the parties say: espeak-ng's phrases, or the generated voices when undefined */
  private readonly phrases: SpokenPhrases | undefined;

  constructor(options: { workers?: number; phrases?: SpokenPhrases; log: Logger }) {
    const count = options.workers ?? Math.max(1, os.availableParallelism());
    this.log = options.log;
    this.phrases = options.phrases;
    this.receiver = this.spawnReceiver();
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
    const worker = this.leastLoadedWorker();
    const state: RtpCaptureState = { worker, listener, bound, lastPacketAt: options.startTime };
    this.rtpCaptures.set(id, state);
    const handle = this.startCapture(id, options, worker);
    const streams = options.rtp.map(({ host, port }) => ({ host, port }));
    this.postReceiver({ type: 'open', id, worker: worker.key, streams });
    return {
      ...handle,
      stop: (at) => {
        const stopped = handle.stop(at);
        this.postReceiver({ type: 'close', id });
        return stopped;
      },
      bound: boundPromise,
      lastPacketAt: () => state.lastPacketAt,
    };
  }

  private leastLoadedWorker(): MediaWorker {
    if (this.closed) throw new Error('the media engine is closed');
    return [...this.workers].sort((a, b) => a.captures.size - b.captures.size)[0]!;
  }

  private startCapture(id: number, options: CaptureOptions, worker = this.leastLoadedWorker()): CaptureHandle {
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
    await Promise.all([...this.workers.map((worker) => this.endWorker(worker, 0)), this.endReceiver()]);
  }

  private async endReceiver(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.receiver.once('exit', () => resolve()));
    this.postReceiver({ type: 'exit' });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') await this.receiver.terminate();
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

  private postReceiver(message: ToRtpReceiver): void {
    this.receiver.postMessage(message);
  }

  /** A channel from the receiver to the worker, for the datagrams of its captures. */
  private connectToReceiver(worker: MediaWorker): void {
    const { port1, port2 } = new MessageChannel();
    worker.thread.postMessage({ type: 'rtp-inbox', port: port1 } satisfies ToMediaWorker, [port1]);
    this.receiver.postMessage({ type: 'attach', worker: worker.key, port: port2 } satisfies ToRtpReceiver, [port2]);
  }

  private spawnReceiver(): Worker {
    const receiver = new Worker(receiverEntry);
    receiver.on('message', (message: FromRtpReceiver) => this.onReceiverMessage(message));
    receiver.on('error', (error) => this.log.error({ err: error }, 'the RTP receiver failed'));
    receiver.on('exit', (code) => {
      if (this.closed) return;
      // Every real call's sockets went with it: their captures end, and a new receiver serves the
      // workers for the calls to come.
      const error = new Error(`the RTP receiver exited with code ${code}`);
      for (const [id, state] of [...this.rtpCaptures]) this.dropRtpCapture(id, state, error);
      this.receiver = this.spawnReceiver();
      for (const worker of this.workers) this.connectToReceiver(worker);
    });
    return receiver;
  }

  private onReceiverMessage(message: FromRtpReceiver): void {
    if (message.type === 'load') {
      for (const [id, at] of message.lastDatagrams) {
        const rtp = this.rtpCaptures.get(id);
        if (rtp) rtp.lastPacketAt = at;
      }
      return;
    }
    const state = this.rtpCaptures.get(message.id);
    if (!state) return;
    if (message.type === 'bound') state.bound.resolve();
    else this.dropRtpCapture(message.id, state, new Error(message.message));
  }

  /** An RTP capture whose streams are gone (not bound, or the receiver died): its worker throws it away. */
  private dropRtpCapture(id: number, state: RtpCaptureState, error: Error): void {
    if (state.worker.captures.delete(id)) {
      this.post(state.worker, { type: 'discard', id });
      this.failed++;
    }
    this.fail(id, error);
  }

  private spawn(): MediaWorker {
    const worker: MediaWorker = {
      key: this.nextWorkerKey++,
      thread: new Worker(workerEntry, { workerData: { phrases: this.phrases } }),
      captures: new Set(),
      load: { captures: 0, busyMs: 0, maxLateMs: 0 },
      reportedAt: Date.now(),
    };
    this.connectToReceiver(worker);
    worker.thread.on('message', (message: FromMediaWorker) => this.onMessage(worker, message));
    worker.thread.on('error', (error) => this.log.error({ err: error }, 'a media worker failed'));
    worker.thread.on('exit', (code) => {
      if (this.closed) return;
      // Every capture on it ends: a new worker takes its place first, so the owners that start
      // their recording again (failure listeners) land on a live one; the others hear it from stop().
      const error = new Error(`the media worker running this capture exited with code ${code}`);
      const lost = [...worker.captures];
      worker.captures.clear();
      this.postReceiver({ type: 'detach', worker: worker.key });
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
      return;
    }
    if (message.type === 'digit') {
      this.rtpCaptures.get(message.id)?.listener.digit(message.side, message.digit, message.atMs);
      return;
    }
    // A worker may report a capture's failure more than once; it is one failed capture.
    const wasRunning = worker.captures.delete(message.id);
    if (message.type === 'stopped') {
      this.rtpCaptures.delete(message.id);
      const pending = this.pendingStops.get(message.id);
      this.pendingStops.delete(message.id);
      pending?.resolve(toCapturedMedia(message.captured));
      return;
    }
    if (wasRunning) this.failed++;
    this.fail(message.id, new Error(message.message));
  }

  private fail(id: number, error: Error): void {
    const rtp = this.rtpCaptures.get(id);
    if (rtp) {
      rtp.bound.reject(error);
      this.rtpCaptures.delete(id);
      this.postReceiver({ type: 'close', id });
    }
    const pending = this.pendingStops.get(id);
    this.pendingStops.delete(id);
    const listener = this.failureListeners.get(id);
    this.failureListeners.delete(id);
    // Whoever listens owns the failure; otherwise the next stop() hears of it.
    if (pending) pending.reject(error);
    else if (listener) listener(error);
    else this.failures.set(id, error);
  }

  /** For tests: worker `index` is busy for `ms`, as it would be encoding a great many calls. */
  stallWorker(index: number, ms: number): void {
    this.post(this.workers[index]!, { type: 'stall', ms });
  }

  /** For tests: worker `index` exits with code 1, as a crashed one would. */
  crashWorker(index = 0): Promise<void> {
    return this.endWorker(this.workers[index]!, 1);
  }
}

function toCapturedMedia(message: CapturedMediaMessage): CapturedMedia {
  return { ...message, startTime: new Date(message.startTime), stopTime: new Date(message.stopTime) };
}
