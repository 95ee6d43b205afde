import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../../platform/media/ffmpeg.ts';
import { DecodedAudio } from '../../../test-support/decoded-audio.ts';
import type { MediaFormat } from '../../../platform/media/capture-engine.ts';
import { detectDtmf } from '../../../platform/media/dtmf.ts';
import { silentLogger } from '../../../test-support/test-logger.ts';
import { MediaEngine } from './media-engine.ts';

let dir: string;
let engine: MediaEngine;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-engine-'));
  engine = new MediaEngine({ workers: 2, log: silentLogger });
});

afterAll(async () => {
  await engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * A capture whose timeline lies in the past: the engine renders it as fast as it can, so a test
 * of 12 s of call audio takes a fraction of that. Requests carry their times on that timeline.
 */
function pastCapture(name: string, formats: MediaFormat[], durationMs: number, seed = 7) {
  const startTime = Date.now() - durationMs - 1000;
  const outputs = formats.map((format) => ({
    format,
    path: path.join(dir, `${name}.${format === 'wav-g711-ulaw' ? 'wav' : 'mp3'}`),
  }));
  const capture = engine.start({ startTime, seed, outputs });
  return { capture, at: (ms: number) => startTime + ms, outputs };
}

describe('MediaEngine: in-process capture and encoding on worker threads', () => {
  it.each([
    ['mp3-8k-mono', 'mp3', 8000, 1, 8],
    ['mp3-16k-stereo', 'mp3', 16000, 2, 16],
    ['mp3-32k-stereo', 'mp3', 22050, 2, 32],
    ['wav-g711-ulaw', 'pcm_mulaw', 8000, 2, 128],
  ] as const)(
    '%s decodes as %s, %i Hz, %i channel(s), %i kbit/s, with the captured duration',
    async (format, codec, rate, channels, kbps) => {
      const { capture, at, outputs } = pastCapture(format, [format], 6000);
      const media = await capture.stop(at(6000));
      expect(media.durationMs).toBe(6000);
      expect(media.outputs[0]?.size).toBe((await fs.stat(outputs[0]!.path)).size);
      const probe = await probeMedia(outputs[0]!.path);
      const audio = probe.streams.find((s) => s.kind === 'audio');
      expect(audio?.description).toContain(codec);
      expect(audio?.description).toContain(`${rate} Hz`);
      expect(audio?.description).toContain(channels === 2 ? 'stereo' : 'mono');
      expect(audio?.description).toContain(`${kbps} kb/s`);
      expect(Math.abs((probe.durationMs ?? 0) - 6000)).toBeLessThan(100);
    },
  );

  it('puts the agent on the left and the customer on the right, with turns of speech', async () => {
    const { capture, at, outputs } = pastCapture('stereo', ['mp3-16k-stereo'], 20_000, 11);
    await capture.stop(at(20_000));
    const audio = await DecodedAudio.fromBytes(await fs.readFile(outputs[0]!.path), 'mp3', 16000, 2);
    let agentOnly = 0;
    let customerOnly = 0;
    for (let ms = 0; ms < 20_000; ms += 250) {
      const [left, right] = [audio.rms(0, ms, ms + 250), audio.rms(1, ms, ms + 250)];
      if (left > 0.02 && right < 0.002) agentOnly++;
      if (right > 0.02 && left < 0.002) customerOnly++;
    }
    expect(agentOnly).toBeGreaterThan(5);
    expect(customerOnly).toBeGreaterThan(5);
  });

  it('makes each pause digital silence at its offset, keeps the timeline, and leaves out DTMF keyed meanwhile', async () => {
    const { capture, at, outputs } = pastCapture('masked', ['mp3-16k-stereo', 'wav-g711-ulaw'], 8000, 21);
    capture.keyDigits('customer', '12', at(500));
    capture.pause(at(2000));
    capture.keyDigits('customer', '4111', at(2300));
    capture.resume(at(4500));
    capture.keyDigits('customer', '9', at(5000));
    capture.pause(at(6500));
    const media = await capture.stop(at(8000));

    expect(media.durationMs).toBe(8000);
    expect(media.pauses).toEqual([
      { offset: 2000, duration: 2500 },
      { offset: 6500, duration: 1500 },
    ]);
    const stereo = await DecodedAudio.fromBytes(await fs.readFile(outputs[0]!.path), 'mp3', 16000, 2);
    expect(Math.abs(stereo.durationMs - 8000)).toBeLessThan(100);
    for (const pause of media.pauses) {
      for (const channel of [0, 1]) {
        expect(stereo.rms(channel, pause.offset + 40, pause.offset + pause.duration - 40)).toBeLessThan(0.002);
      }
    }
    expect(stereo.rms(0, 1000, 1960) + stereo.rms(1, 1000, 1960)).toBeGreaterThan(0.02);
    expect(detectDtmf(stereo.channel(1), 16000).map((d) => d.digit)).toEqual(['1', '2', '9']);
    const detected = detectDtmf(stereo.channel(1), 16000);
    expect(Math.abs(detected[0]!.atMs - 500)).toBeLessThan(40);
    expect(Math.abs(detected[2]!.atMs - 5000)).toBeLessThan(40);
    const wav = await DecodedAudio.fromBytes(await fs.readFile(outputs[1]!.path), 'wav', 8000, 2);
    expect(detectDtmf(wav.channel(1), 8000).map((d) => d.digit)).toEqual(['1', '2', '9']);
    expect(detectDtmf(wav.channel(0), 8000)).toEqual([]);
  });

  it('writes the files as the call runs, not only at the end', async () => {
    const startTime = Date.now() - 1500;
    const file = path.join(dir, 'growing.mp3');
    const capture = engine.start({ startTime, seed: 3, outputs: [{ format: 'mp3-8k-mono', path: file }] });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await fs.stat(file)).size).toBeGreaterThan(1000);
    await capture.stop(Date.now());
  });

  it('rejects stop() with the file named when it cannot write, and after its worker crashed; new captures still work', async () => {
    const failedBefore = engine.failedCaptures;
    const bad = engine.start({
      startTime: Date.now() - 2000,
      seed: 1,
      outputs: [{ format: 'mp3-8k-mono', path: path.join(dir, 'no-such-dir', 'x.mp3') }],
    });
    await expect(bad.stop(Date.now())).rejects.toThrow(/no-such-dir\/x\.mp3/);

    const doomed = pastCapture('doomed', ['mp3-8k-mono'], 1000);
    await engine.crashWorker(0);
    await expect(doomed.capture.stop(doomed.at(1000))).rejects.toThrow(/exited/);
    const after = pastCapture('after-crash', ['mp3-8k-mono'], 1000);
    expect((await after.capture.stop(after.at(1000))).durationMs).toBe(1000);
    // The operations metrics count these two as failed recordings, and only these.
    expect(engine.failedCaptures - failedBefore).toBe(2);
  });
});
