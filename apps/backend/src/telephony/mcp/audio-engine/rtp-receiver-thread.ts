import { parentPort } from 'node:worker_threads';
import { RtpReceiver } from './rtp-receiver.ts';
import type { FromRtpReceiver, ToRtpReceiver } from './rtp-receiver-protocol.ts';

const port = parentPort;
if (!port) throw new Error('rtp-receiver-thread.ts runs as a worker thread');

const receiver = new RtpReceiver((message: FromRtpReceiver) => port.postMessage(message));
port.on('message', (message: ToRtpReceiver) => {
  receiver.handle(message);
  if (message.type === 'exit') port.close();
});
