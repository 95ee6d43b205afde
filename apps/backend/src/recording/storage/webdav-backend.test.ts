import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, StorageStatus } from '@vox/shared';
import { recordedScreen, uploadScreen } from '../../test-support/screen-upload-client.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { WebdavTestServer } from '../../test-support/webdav-test-server.ts';

let dav: WebdavTestServer;
let backend: VoxTestBackend;
let admin: ApiClient;

beforeAll(async () => {
  dav = await WebdavTestServer.start();
  backend = await VoxTestBackend.start({ VOX_STORAGE_URL: dav.url });
  admin = await backend.client('admin');
});

afterAll(async () => {
  await backend?.stop();
  await dav?.stop();
});

describe('the backend with VOX_STORAGE_URL on a WebDAV server', () => {
  it('stores a recorded call on WebDAV and plays it back from there, byte ranges included', async () => {
    const { connId } = await admin.call('createCall', {
      body: { ani: '5550300', dnis: '8005550100', targetDn: '7001', record: 'destination' },
    });
    await backend.callAction(connId, 'answer', { dn: '7001' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await backend.callAction(connId, 'release', { dn: '7001' });
    const [recording] = await backend.recordingsOf(connId);
    const media = recording!.mediaFiles[0]!;
    const start = new Date(media.startTime);
    const day = `${start.getUTCFullYear()}/${String(start.getUTCMonth() + 1).padStart(2, '0')}/${String(start.getUTCDate()).padStart(2, '0')}`;
    const onDav = await fs.readFile(path.join(dav.dir, 'recordings', day, media.mediaId));
    // Encrypted at rest: the stored object is the Vox cipher format, never a playable MP3.
    expect(onDav.subarray(0, 8).toString('ascii')).toBe('VOXENC1\n');
    expect(onDav.length).toBeGreaterThan(media.size);
    const played = await backend.media(recording!.id, media.mediaId);
    expect(played.length).toBe(media.size);
    expect(played.subarray(0, 3).toString('latin1')).toMatch(/^(ID3|\xff[\xe0-\xff])/);
    const ranged = await fetch(`${backend.url}/api/v2/recordings/${recording!.id}/media/${media.mediaId}`, {
      headers: { Authorization: `Bearer ${await backend.token('admin')}`, Range: 'bytes=100-299' },
    });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(played.subarray(100, 300));
  });
});

describe('storage down', () => {
  it('keeps finished recordings in the outbox while WebDAV is down and stores them when it is back', async () => {
    await dav.goDown();
    const { connId } = await admin.call('createCall', {
      body: { ani: '5550301', dnis: '8005550100', targetDn: '7002', record: 'destination' },
    });
    await backend.callAction(connId, 'answer', { dn: '7002' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await backend.callAction(connId, 'release', { dn: '7002' });

    let status: StorageStatus = { pending: 0 };
    for (let i = 0; i < 50 && status.pending === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await admin.call('storageStatus');
    }
    expect(status.pending).toBe(1);
    expect(status.lastError).toMatch(/ECONNREFUSED/);
    expect(await admin.call('listRecordings', { query: { connId } })).toMatchObject({ recordings: [] });

    await dav.comeBack();
    const [recording] = await backend.recordingsOf(connId, 1, 20_000);
    expect(recording?.mediaFiles).toHaveLength(1);
    expect(await admin.call('storageStatus')).toMatchObject({ pending: 0 });
    const media = recording!.mediaFiles[0]!;
    expect((await backend.media(recording!.id, media.mediaId)).length).toBe(media.size);
  });
});

describe('storage down when a screen recording arrives', () => {
  it('keeps the upload waiting, muxes and stores it when storage is back, and links it to the recording', async () => {
    const { connId } = await admin.call('createCall', {
      body: { ani: '5550302', dnis: '8005550100', targetDn: '7003', record: 'destination' },
    });
    await backend.callAction(connId, 'answer', { dn: '7003' });
    const startedAt = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await backend.callAction(connId, 'release', { dn: '7003' });
    const [recording] = await backend.recordingsOf(connId);

    // The agent's screen, as the desktop records it, arrives while storage is down.
    const screen = await recordedScreen(backend.dataDir, 1.5);
    await dav.goDown();
    expect(await uploadScreen(backend, 'agent3', screen, { connId, startedAt })).toEqual({
      created: 201,
      patched: 204,
    });

    // The mux needs the call audio from storage: the upload waits, retried with backoff.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const waiting = await backend.recording(recording!.id);
    expect(waiting.screenRecordings).toEqual([]);

    await dav.comeBack();
    let linked = waiting;
    for (let i = 0; i < 100 && linked.screenRecordings.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      linked = await backend.recording(recording!.id);
    }
    const [stored] = linked.screenRecordings;
    expect(stored).toMatchObject({ type: 'video/webm', thumbnail: expect.stringMatching(/\.jpg$/) });
    const played = await backend.media(recording!.id, stored!.mediaId);
    expect(played.length).toBe(stored!.size);
    expect((await backend.media(recording!.id, stored!.thumbnail!)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(await admin.call('storageStatus')).toMatchObject({ pending: 0 });
  });
});
