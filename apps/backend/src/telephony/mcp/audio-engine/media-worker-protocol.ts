import type { MessagePort } from 'node:worker_threads';
import type { CallSide, CaptureOptions, CapturedMedia } from '../../../platform/media/capture-engine.ts';

/** What the engine tells a media worker. Times are epoch ms, as the requests carried them. */
export type ToMediaWorker =
  | { type: 'start'; id: number; options: CaptureOptions }
  | { type: 'pause' | 'resume' | 'stop'; id: number; at: number }
  | { type: 'digits'; id: number; side: CallSide; digits: string; at: number }
  /** throw the capture away, nothing said (its RTP streams could not be had) */
  | { type: 'discard'; id: number }
  /** the RTP receiver's datagrams for this worker's captures come on `port` */
  | { type: 'rtp-inbox'; port: MessagePort }
  /** for tests: keep the thread busy this long, as a long stretch of encoding would */
  | { type: 'stall'; ms: number }
  /** stop the clock and end the thread by itself (0); any other code ends it as a crash would */
  | { type: 'exit'; code: number };

/** Dates travel as ISO strings between threads. */
export type CapturedMediaMessage = Omit<CapturedMedia, 'startTime' | 'stopTime'> & {
  startTime: string;
  stopTime: string;
};

/** What a media worker answers; `load` comes every second. */
export type FromMediaWorker =
  | { type: 'stopped'; id: number; captured: CapturedMediaMessage }
  | { type: 'failed'; id: number; message: string }
  /** an RTP capture heard an RFC 4733 digit, `atMs` after its start */
  | { type: 'digit'; id: number; side: CallSide; digit: string; atMs: number }
  | { type: 'load'; captures: number; busyMs: number; maxLateMs: number };
