import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '@vox/shared';
import { recordedScreen, uploadScreen } from '../../test-support/screen-upload-client.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
});

afterAll(async () => {
  await backend?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const recordedCall = (ani: string, dn: string, during: () => Promise<unknown>) => backend.recordedCall(ani, dn, during);

/** Waits for the call's screen upload to fail (or gives its last state). */
async function uploadState(connId: string): Promise<{ state: string; failure: string | null } | undefined> {
  const client = new pg.Client({ connectionString: backend.vox.databaseUrl });
  await client.connect();
  try {
    let upload: { state: string; failure: string | null } | undefined;
    for (let i = 0; i < 50 && upload?.state !== 'failed'; i++) {
      await pause(200);
      const rows = await client.query<{ state: string; failure: string | null }>(
        'SELECT state, failure FROM screen_uploads WHERE conn_id = $1',
        [connId],
      );
      upload = rows.rows[0];
    }
    return upload;
  } finally {
    await client.end();
  }
}

async function withScreens(recordingId: string, count: number): Promise<Recording> {
  for (let i = 0; i < 150; i++) {
    const recording = await backend.recording(recordingId);
    if (recording.screenRecordings.length >= count) return recording;
    await pause(200);
  }
  throw new Error(`recording ${recordingId} never got ${count} screen recording(s)`);
}

describe('the screen muxer', () => {
  it('puts a screen on the voice file that holds its first frame, when a failover split the voice', async () => {
    const admin = await backend.client('admin');
    let afterFailover = '';
    const connId = await recordedCall('5550401', '7001', async () => {
      await pause(1200);
      const { mcps } = await admin.call('listMcps');
      const busy = mcps.find((mcp) => mcp.load > 0);
      await admin.call('failMcp', { params: { name: busy!.name } });
      await pause(300);
      afterFailover = new Date().toISOString();
      await pause(1500);
      await admin.call('recoverMcp', { params: { name: busy!.name } });
    });
    const [recording] = await backend.recordingsOf(connId, 2);
    const voice = recording!.mediaFiles.filter((m) => m.type === 'audio/mp3');
    expect(voice).toHaveLength(2);

    const screen = await recordedScreen(backend.dataDir, 1);
    expect(await uploadScreen(backend, 'agent1', screen, { connId, startedAt: afterFailover })).toEqual({
      created: 201,
      patched: 204,
    });
    const muxed = await withScreens(recording!.id, 1);
    // The screen lies on the second file's timeline, which its name and start say.
    expect(muxed.screenRecordings[0]!.startTime).toBe(voice[1]!.startTime);
    expect(muxed.screenRecordings[0]!.mediaId.startsWith(voice[1]!.mediaId.replace(/\.mp3$/, ''))).toBe(true);
  });

  it('cuts a still of a screen recording shorter than a second', async () => {
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550402', '7001', () => pause(1200));
    const [recording] = await backend.recordingsOf(connId);
    const screen = await recordedScreen(backend.dataDir, 0.4);
    await uploadScreen(backend, 'agent1', screen, { connId, startedAt });
    const muxed = await withScreens(recording!.id, 1);
    const still = await backend.media(recording!.id, muxed.screenRecordings[0]!.thumbnail!);
    expect(still.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('keeps a recording a crash cut short, without its closing chunk, and says so', async () => {
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550403', '7001', () => pause(2500));
    const [recording] = await backend.recordingsOf(connId);
    const screen = await recordedScreen(backend.dataDir, 2);
    // Unmarked, the missing closing chunk is taken for tampering: nothing is muxed.
    await uploadScreen(backend, 'agent1', screen, { connId, startedAt }, { cutShort: true });
    await uploadScreen(backend, 'agent1', screen, { connId, startedAt, interrupted: 'crash' }, { cutShort: true });
    const muxed = await withScreens(recording!.id, 1);
    await pause(1000);
    const again = await backend.recording(recording!.id);
    expect(again.screenRecordings).toHaveLength(1);
    expect(muxed.screenRecordings[0]).toMatchObject({ interrupted: 'crash', type: 'video/webm' });
    expect(muxed.screenRecordings[0]!.duration).toBeGreaterThan(0);
  });

  it('hands ffmpeg only a WebM: a playlist uploaded as the screen reads no other file into the recording', async () => {
    // A video on the server's disk, and an HLS playlist pointing at it dressed up as a screen recording.
    const secret = path.join(backend.dataDir, 'secret.webm');
    await fs.writeFile(secret, await recordedScreen(backend.dataDir, 1));
    const playlist = Buffer.from(
      `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\nfile://${secret}\n#EXT-X-ENDLIST\n`,
    );
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550404', '7001', () => pause(1500));
    const [recording] = await backend.recordingsOf(connId);
    const refused = await uploadScreen(backend, 'agent1', playlist, { connId, startedAt });
    expect(refused).toMatchObject({ patched: 422, refusal: expect.stringMatching(/unusable_upload.*not a WebM/) });
    expect(await uploadState(connId)).toMatchObject({ state: 'failed', failure: expect.stringMatching(/not a WebM/) });
    const after = await backend.recording(recording!.id);
    expect(after.screenRecordings).toEqual([]);
  });

  it('refuses an upload whose cipher header asks for tiny chunks, instead of decrypting it for minutes', async () => {
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550405', '7001', () => pause(1500));
    const [recording] = await backend.recordingsOf(connId);
    const screen = await recordedScreen(backend.dataDir, 1);
    await uploadScreen(backend, 'agent1', screen, { connId, startedAt }, { chunkSize: 16 });
    expect(await uploadState(connId)).toMatchObject({
      state: 'failed',
      failure: expect.stringMatching(/chunk size 16/),
    });
    const after = await backend.recording(recording!.id);
    expect(after.screenRecordings).toEqual([]);
  });

  it('refuses a plaintext upload on its last PATCH while encryption is on, saying why, instead of a silent 204', async () => {
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550406', '7001', () => pause(1200));
    const screen = await recordedScreen(backend.dataDir, 1);
    const refused = await uploadScreen(backend, 'agent1', screen, { connId, startedAt }, { plaintext: true });
    expect(refused).toMatchObject({ created: 201, patched: 422, refusal: expect.stringMatching(/unencrypted/) });
    expect(await uploadState(connId)).toMatchObject({ state: 'failed', failure: expect.stringMatching(/unencrypted/) });
    const admin = await backend.client('admin');
    const { uploads } = await admin.call('failedScreenUploads');
    expect(uploads.find((u) => u.connId === connId)).toMatchObject({ uploadedBy: 'agent1' });
    // Reported as a screen incident of the agent's, and a resumed upload hears the refusal again.
    const { records } = await admin.call('listAudit', { query: { action: 'screen-incident' } });
    const incident = records.find((r) => r.details['connId'] === connId);
    expect(incident).toMatchObject({ actor: 'agent1', details: { reason: 'upload_refused' } });
    const head = await fetch(new URL(refused.location!, backend.url), {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${await backend.token('agent1')}`, 'Tus-Resumable': '1.0.0' },
    });
    expect(head.status).toBe(410);
  });

  it('never serves an upload back, and its uploader cannot delete a finished one', async () => {
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550407', '7001', () => pause(1200));
    const screen = await recordedScreen(backend.dataDir, 1);
    const uploaded = await uploadScreen(backend, 'agent1', screen, { connId, startedAt }, { plaintext: true });
    const headers = { Authorization: `Bearer ${await backend.token('agent1')}`, 'Tus-Resumable': '1.0.0' };
    const url = new URL(uploaded.location!, backend.url);
    expect((await fetch(url, { headers })).status).toBe(405);
    expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(403);
    // The backend is still up.
    expect((await fetch(`${backend.url}/healthz`)).status).toBe(200);
  });

  it('accepts a screen recording only from an agent who took part in the call, for a recording of that call', async () => {
    const startedAt = new Date().toISOString();
    const connId = await recordedCall('5550408', '7001', () => pause(1200));
    const other = await recordedCall('5550409', '7002', () => pause(600));
    const [recording] = await backend.recordingsOf(connId);
    const [otherRecording] = await backend.recordingsOf(other);
    const screen = await recordedScreen(backend.dataDir, 1);
    // agent3 was never on the call, and a supervisor is no agent: both refused at creation.
    expect((await uploadScreen(backend, 'agent3', screen, { connId, startedAt })).created).toBe(403);
    expect((await uploadScreen(backend, 'supervisor1', screen, { connId, startedAt })).created).toBe(403);
    // agent1 may not pin its video on another call's recording.
    const wrongRecording = { connId, recordingId: otherRecording!.id, startedAt };
    expect((await uploadScreen(backend, 'agent1', screen, wrongRecording)).created).toBe(403);
    await pause(1000);
    const after = await backend.recording(recording!.id);
    expect(after.screenRecordings).toEqual([]);
    // The agent who took the call may.
    expect(await uploadScreen(backend, 'agent1', screen, { connId, startedAt })).toMatchObject({ patched: 204 });
    await withScreens(recording!.id, 1);
  });
});
