import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia, runFfmpeg } from '../media/ffmpeg.ts';
import { recordingProfiles } from './recording-profile.ts';
import { RecordingSession } from './recording-session.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-mcp-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Decodes an MP3 back to 16-bit PCM and gives the RMS level of each channel over [fromMs, toMs). */
async function channelLevels(file: string, channels: number, sampleRate: number) {
  const raw = `${file}.raw`;
  await runFfmpeg(['-i', file, '-f', 's16le', '-ac', String(channels), '-ar', String(sampleRate), '-y', raw]);
  const pcm = new Int16Array((await fs.readFile(raw)).buffer.slice(0));
  return (channel: number, fromMs: number, toMs: number) => {
    let sum = 0;
    let count = 0;
    const from = Math.floor((fromMs * sampleRate) / 1000);
    const to = Math.floor((toMs * sampleRate) / 1000);
    for (let frame = from; frame < to; frame++) {
      const sample = (pcm[frame * channels + channel] ?? 0) / 32768;
      sum += sample * sample;
      count++;
    }
    return Math.sqrt(sum / Math.max(1, count));
  };
}

describe('RecordingSession (the MCP capture and MP3 encoding step)', () => {
  it('encodes MP3 16 kbit/s stereo, agent and customer on their own channels, paused stretch silent', async () => {
    const start = new Date('2026-11-24T10:00:00.000Z');
    const at = (ms: number) => start.getTime() + ms;
    const session = new RecordingSession(path.join(dir, 'stereo.mp3'), recordingProfiles['mp3-16k-stereo'], start, 7);
    for (let t = 100; t <= 4000; t += 100) session.pump(at(t));
    session.pause(at(4000));
    for (let t = 4100; t <= 6000; t += 100) session.pump(at(t));
    session.resume(at(6000));
    for (let t = 6100; t <= 12000; t += 100) session.pump(at(t));
    const media = await session.stop(at(12000));

    expect(media.durationMs).toBe(12000);
    expect(media.pauses).toEqual([{ offset: 4000, duration: 2000 }]);
    expect(media.stopTime.toISOString()).toBe('2026-11-24T10:00:12.000Z');

    const probe = await probeMedia(media.path);
    expect(probe.streams).toHaveLength(1);
    expect(probe.streams[0]?.description).toMatch(/^mp3, 16000 Hz, stereo, \w+, 16 kb\/s/);
    expect(probe.durationMs).toBeGreaterThan(11800);
    expect(probe.durationMs).toBeLessThan(12300);

    const level = await channelLevels(media.path, 2, 16000);
    const agentSpeech = level(0, 0, 4000) + level(0, 6000, 12000);
    const customerSpeech = level(1, 0, 4000) + level(1, 6000, 12000);
    expect(agentSpeech).toBeGreaterThan(0.02);
    expect(customerSpeech).toBeGreaterThan(0.02);
    expect(level(0, 4200, 5800)).toBeLessThan(0.002);
    expect(level(1, 4200, 5800)).toBeLessThan(0.002);
  });

  it('encodes MP3 8 kbit/s mono with both parties mixed', async () => {
    const start = new Date();
    const session = new RecordingSession(path.join(dir, 'mono.mp3'), recordingProfiles['mp3-8k-mono'], start, 11);
    session.pump(start.getTime() + 3000);
    const media = await session.stop(start.getTime() + 5000);
    expect(media.durationMs).toBe(5000);
    const probe = await probeMedia(media.path);
    expect(probe.streams[0]?.description).toMatch(/^mp3, 8000 Hz, mono, \w+, 8 kb\/s/);
    const level = await channelLevels(media.path, 1, 8000);
    expect(level(0, 0, 5000)).toBeGreaterThan(0.02);
  });

  it('gives each call its own conversation', async () => {
    const start = new Date();
    const render = async (seed: number) => {
      const session = new RecordingSession(
        path.join(dir, `seed-${seed}.mp3`),
        recordingProfiles['mp3-16k-stereo'],
        start,
        seed,
      );
      return fs.readFile((await session.stop(start.getTime() + 2000)).path);
    };
    const [a, b] = await Promise.all([render(1), render(2)]);
    expect(a.equals(b)).toBe(false);
  });
});
