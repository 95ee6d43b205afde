import { createRequire } from 'node:module';
import fs from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createEncoder } from 'wasm-media-encoders';
import { CallCapture } from './call-capture.ts';
import { RtpCallAudio } from './rtp-call-audio.ts';
import type { SpokenPhrases } from './espeak-phrases.ts';
import type { FromMediaWorker, ToMediaWorker } from './media-worker-protocol.ts';
import { EarlyRtpDeliveries } from './early-rtp-deliveries.ts';
import { readRtpPacketBatch } from './rtp-packet-batch.ts';
import type { FromRtpReceiverToWorker } from './rtp-receiver-protocol.ts';
import { errorMessage } from '@vox/shared';

/**
 * A media worker thread: runs its captures on its own 20 ms clock, off the main thread. It renders
 * up to 100 ms behind real time, as a media server's jitter buffer does, so a pause or a digit
 * whose request arrives a little after its time still lands on the exact frame.
 */
const tickMs = 20;
const jitterMs = 100;
/**
 * A real call's audio is rendered further behind: packets are placed by their timestamps once
 * they have all arrived, and an MP3 output reads LAME's delay ahead of its timeline.
 */
const rtpPlayoutMs = 500;
/**
 * Each capture renders a tenth of a second at a time: encoding 20 ms blocks costs a third more
 * CPU in calls and copies. Captures fall due at different ticks, which spreads the load.
 */
const blockMs = 100;
/**
 * An RTP capture stops once the receiver says its last datagram is here; should that word not
 * come (the receiver died), it stops after this long with what it has.
 */
const lastDatagramWaitMs = 1000;

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
const failed = (id: number, error: unknown) => send({ type: 'failed', id, message: errorMessage(error) });

let busyMs = 0;
let maxLateMs = 0;
let nextTick = Date.now() + tickMs;

const clock = setInterval(() => {
  const started = Date.now();
  maxLateMs = Math.max(maxLateMs, started - nextTick);
  nextTick = started + tickMs;
  for (const [id, capture] of captures) {
    const until = started - capture.renderDelayMs;
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
  earlyRtp.expire();
  send({ type: 'load', captures: captures.size, busyMs, maxLateMs });
  busyMs = 0;
  maxLateMs = 0;
}, 1000);

/** RTP captures whose last datagram has come, and the stops waiting for it. */
const rtpClosed = new Set<number>();
const stopsAwaitingClose = new Map<number, () => void>();
const earlyRtp = new EarlyRtpDeliveries();
let rtpInbox: MessagePort | undefined;

/** Runs `delivery` for capture `id` now, or at its start when the start has not come yet. */
function deliver(id: number, delivery: () => void): void {
  if (captures.has(id)) delivery();
  else earlyRtp.keep(id, delivery);
}

function receiveRtp(message: FromRtpReceiverToWorker): void {
  switch (message.type) {
    case 'datagrams':
      readRtpPacketBatch(message.batch, ({ captureId, stream, bytes, sender, arrivedAt }) => {
        const audio = captures.get(captureId)?.rtpAudio;
        if (audio) audio.receive(stream, bytes, sender, arrivedAt);
        else {
          const own = bytes.slice();
          earlyRtp.keep(captureId, () => captures.get(captureId)?.rtpAudio?.receive(stream, own, sender, arrivedAt));
        }
      });
      return;
    case 'sender': {
      const { id, stream, sender, address, port } = message;
      deliver(id, () => captures.get(id)?.rtpAudio?.noteSender(stream, sender, address, port));
      return;
    }
    case 'closed': {
      const { id } = message;
      deliver(id, () => {
        const waiting = stopsAwaitingClose.get(id);
        if (waiting) waiting();
        else rtpClosed.add(id);
      });
      return;
    }
  }
}

/** Calls `then` once the capture's last datagram is in (at once for generated audio). */
function afterLastDatagram(id: number, capture: CallCapture, then: () => void): void {
  if (!capture.rtpAudio || rtpClosed.delete(id)) return then();
  const timer = setTimeout(() => {
    stopsAwaitingClose.delete(id);
    then();
  }, lastDatagramWaitMs);
  stopsAwaitingClose.set(id, () => {
    clearTimeout(timer);
    stopsAwaitingClose.delete(id);
    then();
  });
}

function stop(id: number, capture: CallCapture, at: number): void {
  captures.delete(id);
  rtpClosed.delete(id);
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
    rtpInbox?.close();
    for (const capture of captures.values()) capture.discard();
    captures.clear();
    if (message.code !== 0) process.exit(message.code);
    port.close();
    return;
  }
  if (message.type === 'stall') {
    const until = Date.now() + message.ms;
    while (Date.now() < until);
    return;
  }
  if (message.type === 'rtp-inbox') {
    rtpInbox?.close();
    rtpInbox = message.port;
    rtpInbox.on('message', receiveRtp);
    return;
  }
  const capture = captures.get(message.id);
  try {
    switch (message.type) {
      case 'start': {
        const { id, options } = message;
        const rtpAudio = options.rtp
          ? new RtpCallAudio(options.rtp, options.startTime, (side, digit, atMs) =>
              send({ type: 'digit', id, side, digit, atMs }),
            )
          : undefined;
        const started = new CallCapture(
          options,
          createMp3Encoder,
          phrases,
          rtpAudio,
          rtpAudio ? rtpPlayoutMs : jitterMs,
        );
        captures.set(id, started);
        earlyRtp.started(id);
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
        // A capture stopped right after it started finishes once its encoders are ready, and a
        // real call's once the datagrams received before the stop are placed.
        void capture.ready.then(
          () => afterLastDatagram(message.id, capture, () => stop(message.id, capture, message.at)),
          () => undefined,
        );
        return;
      case 'discard':
        captures.delete(message.id);
        rtpClosed.delete(message.id);
        capture?.discard();
        return;
    }
  } catch (error) {
    captures.delete(message.id);
    capture?.discard();
    failed(message.id, error);
  }
});
