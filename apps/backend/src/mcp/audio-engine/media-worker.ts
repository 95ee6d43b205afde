import { createRequire } from 'node:module';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createEncoder } from 'wasm-media-encoders';
import { CallCapture } from './call-capture.ts';
import type { SpokenPhrases } from './espeak-phrases.ts';
import type { FromMediaWorker, ToMediaWorker } from './media-worker-protocol.ts';

/**
 * A media worker thread: runs its captures on its own 20 ms clock, off the main thread. It renders
 * up to 100 ms behind real time, as a media server's jitter buffer does, so a pause or a digit
 * whose request arrives a little after its time still lands on the exact frame.
 */
const tickMs = 20;
const jitterMs = 100;
/**
 * Each capture renders a tenth of a second at a time: encoding 20 ms blocks costs a third more
 * CPU in calls and copies. Captures fall due at different ticks, which spreads the load.
 */
const blockMs = 100;

const port = parentPort;
if (!port) throw new Error('media-worker.ts runs as a worker thread');

// The bytes at first, then the compiled module: compiling for every encoder costs ~20 ms each.
let mp3Module: Parameters<typeof createEncoder>[1] = fs.readFileSync(
  createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3'),
);
const createMp3Encoder = () =>
  createEncoder('audio/mpeg', mp3Module, (compiled) => {
    mp3Module = compiled;
  });

const phrases = (workerData as { phrases?: SpokenPhrases } | undefined)?.phrases;
const captures = new Map<number, CallCapture>();
const send = (message: FromMediaWorker) => port.postMessage(message);
const failed = (id: number, error: unknown) =>
  send({ type: 'failed', id, message: error instanceof Error ? error.message : String(error) });

let busyMs = 0;
let maxLateMs = 0;
let nextTick = Date.now() + tickMs;

const clock = setInterval(() => {
  const started = Date.now();
  maxLateMs = Math.max(maxLateMs, started - nextTick);
  nextTick = started + tickMs;
  const until = started - jitterMs;
  for (const [id, capture] of captures) {
    if (until - capture.renderedUntil < blockMs) continue;
    try {
      capture.renderUntil(until);
    } catch (error) {
      captures.delete(id);
      capture.discard();
      failed(id, error);
    }
  }
  busyMs += Date.now() - started;
}, tickMs);

const loadReport = setInterval(() => {
  send({ type: 'load', captures: captures.size, busyMs, maxLateMs });
  busyMs = 0;
  maxLateMs = 0;
}, 1000);

function stop(id: number, capture: CallCapture, at: number): void {
  captures.delete(id);
  try {
    const result = capture.finish(at);
    const { startTime } = capture.options;
    send({
      type: 'stopped',
      id,
      captured: {
        ...result,
        startTime: new Date(startTime).toISOString(),
        stopTime: new Date(startTime + result.durationMs).toISOString(),
      },
    });
  } catch (error) {
    capture.discard();
    failed(id, error);
  }
}

port.on('message', (message: ToMediaWorker) => {
  if (message.type === 'exit') {
    // Ended from inside, between ticks: terminating a thread from outside while it allocates
    // can abort the whole process (a Node.js platform assertion), so the engine never does.
    clearInterval(clock);
    clearInterval(loadReport);
    for (const capture of captures.values()) capture.discard();
    captures.clear();
    if (message.code !== 0) process.exit(message.code);
    port.close();
    return;
  }
  const capture = captures.get(message.id);
  try {
    switch (message.type) {
      case 'start': {
        const started = new CallCapture(message.options, createMp3Encoder, phrases);
        captures.set(message.id, started);
        started.ready.catch((error: unknown) => {
          captures.delete(message.id);
          started.discard();
          failed(message.id, error);
        });
        return;
      }
      case 'pause':
        capture?.pause(message.at);
        return;
      case 'resume':
        capture?.resume(message.at);
        return;
      case 'digits':
        capture?.keyDigits(message.side, message.digits, message.at);
        return;
      case 'stop':
        if (!capture) return failed(message.id, `no capture ${message.id} on this worker`);
        // A capture stopped right after it started finishes once its encoders are ready.
        void capture.ready.then(
          () => stop(message.id, capture, message.at),
          () => undefined,
        );
        return;
    }
  } catch (error) {
    captures.delete(message.id);
    capture?.discard();
    failed(message.id, error);
  }
});
