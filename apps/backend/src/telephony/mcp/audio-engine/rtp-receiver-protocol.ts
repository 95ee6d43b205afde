import type { MessagePort } from 'node:worker_threads';

/**
 * The RTP receiver thread owns every RTP socket and does nothing but read datagrams, stamp their
 * arrival and pass them on in batches: a media worker busy encoding would read them late, and the
 * audio is placed by when it arrived.
 */

/** What the engine tells the receiver. */
export type ToRtpReceiver =
  /** media worker `worker` takes its captures' datagrams on `port` */
  | { type: 'attach'; worker: number; port: MessagePort }
  | { type: 'detach'; worker: number }
  /** bind a capture's streams (in its `rtp` order) and send what they receive to `worker` */
  | { type: 'open'; id: number; worker: number; streams: Array<{ host: string; port: number }> }
  /** close its sockets; the worker hears `closed` after the last datagram */
  | { type: 'close'; id: number }
  | { type: 'exit' };

/** What the receiver answers the engine; `load` comes every second. */
export type FromRtpReceiver =
  | { type: 'bound'; id: number }
  | { type: 'failed'; id: number; message: string }
  /** each open capture's id and when its last datagram came (epoch ms), while any came */
  | { type: 'load'; lastDatagrams: Array<[number, number]> };

/** What the receiver sends a media worker on its port. */
export type FromRtpReceiverToWorker =
  /** datagrams in the format of rtp-packet-batch.ts */
  | { type: 'datagrams'; batch: ArrayBuffer }
  /** a sender first heard on a stream: batches name it by `sender` from now on */
  | { type: 'sender'; id: number; stream: number; sender: number; address: string; port: number }
  /** no datagram of the capture follows */
  | { type: 'closed'; id: number };
