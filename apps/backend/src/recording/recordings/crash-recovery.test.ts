import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodedAudio } from '../../test-support/decoded-audio.ts';
import { recordedScreen, uploadScreen } from '../../test-support/screen-upload-client.ts';
import { SpawnedBackend } from '../../test-support/spawned-backend.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { sleep, until } from '../../test-support/polling.ts';

/** 16 kbit/s MP3 fills an 8 KiB encrypted chunk in 4.1 s: the most a crash can cost. */
const chunkMs = (8192 * 8) / 16;

const uncaughtErrorOnSignal = fileURLToPath(
  new URL('../../test-support/uncaught-error-on-signal.mjs', import.meta.url),
);

describe('a backend killed during recorded calls', () => {
  const dataDirs: string[] = [];
  const started: SpawnedBackend[] = [];
  const newDataDir = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-crash-'));
    dataDirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const backend of started) await backend.stop('SIGTERM');
    for (const dir of dataDirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it('starts again by itself and stores every call as an interrupted recording up to its last sealed chunk, paused stretch included', async () => {
    const dataDir = await newDataDir();
    const env = {
      VOX_DATA_DIR: dataDir,
      VOX_PORT: '0',
      VOX_SIP_PORT: 'off',
      VOX_DEMO: '1',
      VOX_ANALYTICS: '1',
    };
    const first = await SpawnedBackend.start(env);
    started.push(first);
    const before = VoxTestBackend.attach(first.running, dataDir);

    const sales = await before.answeredCall('+15550001111', '7001');
    const support = await before.answeredCall('+15550002222', '7002');
    await sleep(2000);
    // agent1 pauses its call's recording (GSIP_RECORD_PAUSE) for two seconds.
    const privateService = async (privateMsgId: number) => {
      const answer = await before.call(
        'POST',
        '/api/v2/sim/private-service',
        { privateMsgId, thisDn: '7001', connId: sales.connId },
        await before.token('agent1'),
      );
      expect(answer.status).toBe(200);
    };
    const pausedAt = Date.now();
    await privateService(3015);
    await sleep(2000);
    await privateService(3016);
    const resumedAt = Date.now();
    await sleep(7000);
    const killedAt = Date.now();
    await first.stop('SIGKILL');

    const second = await SpawnedBackend.start(env);
    started.push(second);
    const after = VoxTestBackend.attach(second.running, dataDir);
    for (const call of [sales, support]) {
      const recordings = await after.recordingsOf(call.connId, 2, 60_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\nthe restarted backend's log:\n${second.log.slice(-6000)}`);
      });
      expect(recordings).toHaveLength(1);
      const recording = recordings[0]!;
      // The metadata the first process knew: the call's numbers, agent and group, its history.
      expect(recording.callerPhoneNumber).toBe(call === sales ? '+15550001111' : '+15550002222');
      expect(recording.group).toBe('sales');
      expect(recording.parties.map((p) => p.dn)).toContain(call === sales ? '7001' : '7002');
      const events = recording.eventHistory.map((e) => e.event);
      expect(events).toContain('RecordingInterrupted');
      expect(events.indexOf('RecordingInterrupted')).toBeGreaterThan(0);

      // The call ladder as far as the journal kept it: the recording INVITE and the MSML record.
      const admin = await after.client('admin');
      const ladder = await admin.call('getCallLadder', { params: { id: recording.id } });
      const ladderText = ladder.messages.map((m) => m.text).join('\n');
      expect(ladderText).toMatch(/^INVITE sip:/m);
      expect(ladderText).toMatch(/<record /);

      const mp3 = recording.mediaFiles.find((m) => m.type === 'audio/mp3')!;
      const wav = recording.mediaFiles.find((m) => m.type === 'audio/wav')!;
      expect(mp3.interrupted).toBe('crash');
      expect(wav.interrupted).toBe('crash');
      const recorded = killedAt - call.answeredAt;
      expect(mp3.duration).toBeGreaterThan(recorded - chunkMs - 1500);
      expect(mp3.duration).toBeLessThanOrEqual(recorded);
      // Both files play, as long as their metadata says.
      const voice = await DecodedAudio.fromBytes(await after.media(recording.id, mp3.mediaId), 'mp3', 8000, 2);
      expect(Math.abs(voice.durationMs - mp3.duration)).toBeLessThan(200);
      const analytics = await DecodedAudio.fromBytes(await after.media(recording.id, wav.mediaId), 'wav', 8000, 2);
      expect(Math.abs(analytics.durationMs - wav.duration)).toBeLessThan(50);
      expect(analytics.rms(0, 500, wav.duration - 500) + analytics.rms(1, 500, wav.duration - 500)).toBeGreaterThan(
        0.01,
      );

      if (call === sales) {
        // The pause the journal kept: in the metadata, and silence in the audio.
        expect(mp3.pauses).toHaveLength(1);
        const pause = mp3.pauses[0]!;
        expect(Math.abs(pause.offset - (pausedAt - call.answeredAt))).toBeLessThan(400);
        expect(Math.abs(pause.duration - (resumedAt - pausedAt))).toBeLessThan(400);
        const inside = [pause.offset + 200, pause.offset + pause.duration - 200] as const;
        expect(voice.rms(0, ...inside) + voice.rms(1, ...inside)).toBeLessThan(0.001);
      } else {
        expect(mp3.pauses).toEqual([]);
      }
    }
    // The agent's desktop uploads its screen recording of the call after the restart: it is muxed
    // with the recovered voice as usual.
    const screen = await recordedScreen(dataDir, 2);
    const startedAt = new Date(sales.answeredAt).toISOString();
    expect(await uploadScreen(after, 'agent1', screen, { connId: sales.connId, startedAt })).toEqual({
      created: 201,
      patched: 204,
    });
    const [withScreen] = await until('the screen muxed with the recovered voice', async () => {
      const listed = await after.recordingsOf(sales.connId, 2);
      return listed[0]!.screenRecordings.length > 0 ? listed : undefined;
    });
    expect(withScreen!.screenRecordings[0]!.type).toBe('video/webm');

    // Nothing is left to recover, and nothing was queued twice.
    expect((await fs.readdir(path.join(dataDir, 'mcp'))).filter((f) => f.includes('journal'))).toEqual([]);
    expect(second.log).toMatch(/recording \S+ \(call \S+\) recovered/);
  }, 180_000);

  it('stops its recordings in order on an uncaught error before it exits: complete files, nothing to recover', async () => {
    const dataDir = await newDataDir();
    const env = { VOX_DATA_DIR: dataDir, VOX_PORT: '0', VOX_SIP_PORT: 'off', VOX_DEMO: '1' };
    const faulty = await SpawnedBackend.start(env, { preload: uncaughtErrorOnSignal });
    started.push(faulty);
    const before = VoxTestBackend.attach(faulty.running, dataDir);
    const { connId, answeredAt } = await before.answeredCall('+15550003333', '7001');
    await sleep(6000);
    const faultAt = Date.now();
    faulty.signal('SIGUSR2');
    expect(await faulty.exited()).toBe(1);
    expect(faulty.log).toMatch(/uncaught error, stopping/);

    const restarted = await SpawnedBackend.start(env);
    started.push(restarted);
    const [recording] = await VoxTestBackend.attach(restarted.running, dataDir).recordingsOf(connId, 1, 30_000);
    const mp3 = recording!.mediaFiles[0]!;
    // Stopped and sealed, not recovered: as long as the call ran, not cut at an encrypted chunk.
    expect(mp3.interrupted).toBeUndefined();
    expect(mp3.duration).toBeGreaterThan(faultAt - answeredAt - 800);
    expect(restarted.log).not.toMatch(/recovered/);
  }, 120_000);
});
