import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { recordingListSchema, type Recording } from '@vox/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../platform/media/ffmpeg.ts';
import { DecodedAudio } from '../../test-support/decoded-audio.ts';
import { rtpPcap, tone } from '../../test-support/rtp-pcap.ts';
import { runSipp } from '../../test-support/sipp.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

/**
 * A G.722 call (16 kHz audio) recorded in the other formats: 8 kbit/s mono with the analytics WAV
 * (both parties mixed, then G.711 stereo at 8 kHz), and 32 kbit/s stereo (22.05 kHz). The customer
 * speaks from 0.5 s to 2 s, the agent from 2.5 s to 4 s.
 */
const formats = [
  { VOX_RECORDING_FORMAT: 'mp3-8k-mono', VOX_ANALYTICS: '1', rate: 8000, channels: 1 },
  { VOX_RECORDING_FORMAT: 'mp3-32k-stereo', VOX_ANALYTICS: '0', rate: 22050, channels: 2 },
] as const;

let dir: string;
let pcap: string;

/** Silence, then a tone from `fromMs` to `toMs`, at 16 kHz, encoded by ffmpeg's G.722 encoder. */
async function g722Tone(name: string, frequencyHz: number, fromMs: number, toMs: number): Promise<Uint8Array> {
  const audio = new Int16Array(16 * 4500);
  audio.set(tone(frequencyHz, toMs - fromMs, 0.3, 16_000), 16 * fromMs);
  const raw = path.join(dir, `${name}.raw`);
  const encoded = path.join(dir, `${name}.g722`);
  await fs.writeFile(raw, Buffer.from(audio.buffer));
  await runFfmpeg(['-y', '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', raw, '-c:a', 'g722', '-f', 'g722', encoded]);
  return fs.readFile(encoded);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-siprec-formats-'));
  pcap = path.join(dir, 'g722.pcap');
  const silence = new Int16Array(0);
  await fs.writeFile(
    pcap,
    rtpPcap([
      { audio: silence, codec: 'G722', g722: await g722Tone('customer', 600, 500, 2000), dstPort: 6000 },
      { audio: silence, codec: 'G722', g722: await g722Tone('agent', 1200, 2500, 4000), dstPort: 6002 },
    ]),
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe.each(formats)('a G.722 SIPREC call recorded as $VOX_RECORDING_FORMAT', (format) => {
  let vox: VoxTestBackend;
  beforeAll(async () => {
    vox = await VoxTestBackend.start({
      VOX_RTP_PORTS: '44400-44599',
      VOX_RECORDING_FORMAT: format.VOX_RECORDING_FORMAT,
      VOX_ANALYTICS: format.VOX_ANALYTICS,
    });
  });
  afterAll(() => vox?.stop());

  async function recorded(customerNumber: string): Promise<Recording> {
    const token = await vox.token('admin');
    for (let tries = 0; ; tries++) {
      const { body } = await vox.call(
        'GET',
        `/api/v2/recordings?callerPhoneNumber=${encodeURIComponent(customerNumber)}`,
        undefined,
        token,
      );
      const found = recordingListSchema.parse(body).recordings[0];
      if (found && found.mediaFiles.length === (format.VOX_ANALYTICS === '1' ? 2 : 1)) return found;
      if (tries > 75) throw new Error(`no recording of ${customerNumber}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function decoded(recording: Recording, type: string, rate: number, channels: number): Promise<DecodedAudio> {
    const media = recording.mediaFiles.find((m) => m.type === type)!;
    const bytes = await vox.media(recording.id, media.mediaId);
    return DecodedAudio.fromBytes(bytes, type === 'audio/wav' ? 'wav' : 'mp3', rate, channels);
  }

  /** When the customer's tone starts in `channel`: the file's timeline origin for the checks. */
  function onsetMs(audio: DecodedAudio, channel: number): number {
    for (let at = 0; at < audio.durationMs - 100; at += 5) if (audio.rms(channel, at, at + 100) > 0.05) return at;
    throw new Error('no speech in the file');
  }

  it('holds both parties at their times, on their channels', async () => {
    const customerNumber = format.channels === 1 ? '+4930222001' : '+4930222002';
    const result = await runSipp({
      scenario: path.join(import.meta.dirname, 'sipp', 'siprec-call.xml'),
      target: `127.0.0.1:${vox.vox.sipPort}`,
      transport: 'udp',
      keys: { customer_number: customerNumber, agent_dn: '7001', pcap, talk_ms: '4700', codec: 'G722', codec_pt: '9' },
    });
    expect(result.exitCode, result.errors).toBe(0);
    const recording = await recorded(customerNumber);
    expect(recording.attachedData['siprec.customer.rtp']).toMatch(/^G722 2\d\d packets, 0 lost, 0 late/);

    const mp3 = await decoded(recording, 'audio/mp3', format.rate, format.channels);
    const customerChannel = format.channels === 1 ? 0 : 1;
    const start = onsetMs(mp3, customerChannel);
    // Customer for 1.5 s, a gap, then the agent for 1.5 s (mixed into the one channel in mono).
    expect(mp3.rms(customerChannel, start + 100, start + 1400)).toBeGreaterThan(0.1);
    expect(mp3.rms(0, start + 1600, start + 1900)).toBeLessThan(0.02);
    expect(mp3.rms(0, start + 2100, start + 3400)).toBeGreaterThan(0.1);
    if (format.channels === 2) {
      expect(mp3.rms(0, start + 100, start + 1400)).toBeLessThan(0.02);
      expect(mp3.rms(1, start + 2100, start + 3400)).toBeLessThan(0.02);
    }

    if (format.VOX_ANALYTICS === '1') {
      // The analytics WAV keeps the parties apart: agent left, customer right.
      const wav = await decoded(recording, 'audio/wav', 8000, 2);
      const wavStart = onsetMs(wav, 1);
      expect(Math.abs(wavStart - start)).toBeLessThan(30);
      expect(wav.rms(1, wavStart + 100, wavStart + 1400)).toBeGreaterThan(0.1);
      expect(wav.rms(0, wavStart + 100, wavStart + 1400)).toBeLessThan(0.02);
      expect(wav.rms(0, wavStart + 2100, wavStart + 3400)).toBeGreaterThan(0.1);
    }
  });
});
