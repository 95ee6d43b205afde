import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtpSender } from '../../siprec-caller/rtp-sender.ts';
import { DecodedAudio } from '../../../test-support/decoded-audio.ts';
import { sleep } from '../../../test-support/polling.ts';
import { tone } from '../../../test-support/rtp-pcap.ts';
import { silentLogger } from '../../../test-support/test-logger.ts';
import { MediaEngine } from './media-engine.ts';

let dir: string;
let engine: MediaEngine;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-rtp-receiver-'));
  engine = new MediaEngine({ workers: 1, log: silentLogger });
});

afterAll(async () => {
  await engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const beepEveryMs = 500;

/** Where each beep starts, in ms; one counts only after 300 ms of quiet (the MP3 smears a tone's end). */
function beepOnsets(audio: DecodedAudio, channel: number): number[] {
  const onsets: number[] = [];
  let quietSince = -300;
  let loud = false;
  for (let at = 0; at + 5 <= audio.durationMs; at++) {
    const level = audio.rms(channel, at, at + 5);
    if (!loud && level > 0.15) {
      if (at - quietSince >= 300) onsets.push(at);
      loud = true;
    } else if (loud && level < 0.1) {
      loud = false;
      quietSince = at;
    }
  }
  return onsets;
}

describe('RTP receiver thread', () => {
  it('places a call’s audio where it was sent while the media worker encoding it is busy for 700 ms', async () => {
    const port = await freeUdpPort();
    const startTime = Date.now();
    const capture = engine.startRtp(
      {
        startTime,
        seed: 1,
        outputs: [{ format: 'mp3-16k-stereo', path: path.join(dir, 'busy.mp3') }],
        rtp: [{ side: 'customer', host: '127.0.0.1', port, codec: 'PCMU', payloadType: 0, telephoneEvent: undefined }],
      },
      { digit: () => undefined },
    );
    await capture.bound;
    const out = dgram.createSocket('udp4');
    // A 100 ms beep every 500 ms, looped.
    const beep = new Int16Array((beepEveryMs * 8000) / 1000);
    beep.set(tone(440, 100, 0.5));
    const sender = new RtpSender({
      streams: [{ codec: 'PCMU', audio: beep, transmit: (packet) => out.send(packet, port, '127.0.0.1') }],
    });
    await sleep(300); // past the MP3's lead at the start of the file
    sender.start();
    await sleep(1200);
    // Every datagram of these 700 ms waits for the worker; stamped when the worker reads them, they
    // would all look 700 ms late and move the audio.
    engine.stallWorker(0, 700);
    await sleep(2300);
    sender.stop();
    out.close();
    const media = await capture.stop(Date.now());

    expect(media.rtp?.[0]).toMatchObject({ packets: sender.packetsSent[0], lost: 0, late: 0, reanchors: 0 });
    const audio = await DecodedAudio.fromBytes(await fs.readFile(path.join(dir, 'busy.mp3')), 'mp3', 16000, 2);
    const onsets = beepOnsets(audio, 1);
    // 3.5 s of beeps every 500 ms, the first partly in the file's first frames at most.
    expect(onsets.length).toBeGreaterThanOrEqual(7);
    const phase = (at: number) => ((at % beepEveryMs) + beepEveryMs) % beepEveryMs;
    const first = phase(onsets[0]!);
    for (const at of onsets) {
      const off = Math.abs(phase(at) - first);
      expect(Math.min(off, beepEveryMs - off), `beep at ${at} ms`).toBeLessThanOrEqual(20);
    }
    expect(beepOnsets(audio, 0)).toEqual([]);
  });
});
