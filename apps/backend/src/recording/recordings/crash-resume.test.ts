import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { screenUploadPath, type Recording } from '@vox/shared';
import { ChunkEncryptor } from '../crypto/media-cipher.ts';
import { recordedScreen, uploadScreen } from '../../test-support/screen-upload-client.ts';
import { SpawnedBackend } from '../../test-support/spawned-backend.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { sleep, until } from '../../test-support/polling.ts';

const killOnQuery = fileURLToPath(new URL('../../test-support/kill-on-query.mjs', import.meta.url));

/** Every stored object under the local media storage, by name. */
async function storedObjects(dataDir: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(dataDir, 'media'), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/**
 * The background work after a call (storage through the outbox, the screen upload, its mux,
 * analytics) with the backend killed (SIGKILL) in the middle of it, then started again on the same
 * data directory: the work resumes, and nothing is stored twice.
 */
describe('a backend killed in the middle of background work', () => {
  const dataDirs: string[] = [];
  const started: SpawnedBackend[] = [];

  afterAll(async () => {
    for (const backend of started) await backend.stop('SIGTERM');
    for (const dir of dataDirs) await fs.rm(dir, { recursive: true, force: true });
  });

  /** A backend on a new data directory that kills itself at the first query matching `killAt`. */
  async function crashingBackend(killAt: string | undefined, extraEnv: Record<string, string> = {}) {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-resume-'));
    dataDirs.push(dataDir);
    const env = { VOX_DATA_DIR: dataDir, VOX_PORT: '0', VOX_SIP_PORT: 'off', VOX_DEMO: '1', ...extraEnv };
    const first = await SpawnedBackend.start(
      killAt ? { ...env, VOX_TEST_KILL_ON_QUERY: killAt } : env,
      killAt ? { preload: killOnQuery } : {},
    );
    started.push(first);
    const restart = async () => {
      const second = await SpawnedBackend.start(env);
      started.push(second);
      return VoxTestBackend.attach(second.running, dataDir);
    };
    return { dataDir, first, vox: VoxTestBackend.attach(first.running, dataDir), restart };
  }

  it('storage: a file stored whose metadata was being posted is posted once after the restart', async () => {
    const { dataDir, first, vox, restart } = await crashingBackend('^INSERT INTO media_files');
    const connId = await vox.recordedCall('+15550007001', '7001', 2500);
    expect(await first.exited()).toBe('SIGKILL');
    const after = await restart();
    const [recording] = await after.recordingsOf(connId, 1, 30_000);
    expect(recording!.mediaFiles).toHaveLength(1);
    const admin = await after.client('admin');
    await until('the outbox emptied', async () => {
      const status = await admin.call('storageStatus');
      return status.pending === 0 ? true : undefined;
    });
    expect(await storedObjects(dataDir)).toEqual([recording!.mediaFiles[0]!.mediaId]);
    expect((await after.media(recording!.id, recording!.mediaFiles[0]!.mediaId)).length).toBe(
      recording!.mediaFiles[0]!.size,
    );
  }, 120_000);

  it('mux: a screen recording muxed but not yet stored is muxed again and stored once', async () => {
    const { dataDir, first, vox, restart } = await crashingBackend("^UPDATE screen_uploads SET state = 'storing'");
    const startedAt = new Date().toISOString();
    const connId = await vox.recordedCall('+15550007002', '7001', 2500);
    const [recording] = await vox.recordingsOf(connId);
    const screen = await recordedScreen(dataDir, 2);
    await uploadScreen(vox, 'agent1', screen, { connId, startedAt });
    expect(await first.exited()).toBe('SIGKILL');
    const after = await restart();
    const muxed = await until('the screen muxed after the restart', async () => {
      const found = await after.recording(recording!.id);
      return found.screenRecordings.length > 0 ? found : undefined;
    });
    await sleep(2000);
    const again = await after.recording(recording!.id);
    expect(again.screenRecordings).toHaveLength(1);
    const objects = await storedObjects(dataDir);
    expect(objects.filter((name) => name.endsWith('.webm'))).toEqual([muxed.screenRecordings[0]!.mediaId]);
  }, 120_000);

  it('analytics: a WAV analysed but not yet written is analysed after the restart', async () => {
    const { first, vox, restart } = await crashingBackend('^INSERT INTO recording_analytics', { VOX_ANALYTICS: '1' });
    const connId = await vox.recordedCall('+15550007003', '7001', 2500);
    expect(await first.exited()).toBe('SIGKILL');
    const after = await restart();
    const analysed = await until('the analytics after the restart', async () => {
      const [found] = await after.recordingsOf(connId, 2, 30_000);
      return found?.analytics ? found : undefined;
    });
    expect(analysed.mediaFiles).toHaveLength(2);
    expect(analysed.analytics!.agentTalkMs + analysed.analytics!.customerTalkMs).toBeGreaterThan(0);
  }, 120_000);

  it('screen upload: an upload cut off by the crash goes on from its offset and is muxed once', async () => {
    const { dataDir, first, vox, restart } = await crashingBackend(undefined);
    const startedAt = new Date().toISOString();
    const connId = await vox.recordedCall('+15550007004', '7001', 2500);
    const [recording] = await vox.recordingsOf(connId);
    const tenant = await (await vox.client('admin')).call('screenKey');
    const encryptor = new ChunkEncryptor(tenant.keyId, tenant.publicKey);
    const screen = await recordedScreen(dataDir, 2);
    const body = Buffer.concat([encryptor.header, ...encryptor.push(screen), encryptor.finish()]);
    const token = await vox.token('agent1');
    const tus = { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' };
    const metadata = Object.entries({ connId, startedAt, filetype: 'video/webm' })
      .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
      .join(',');
    const created = await fetch(`${vox.url}${screenUploadPath}`, {
      method: 'POST',
      headers: { ...tus, 'Upload-Length': String(body.length), 'Upload-Metadata': metadata },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const half = Math.floor(body.length / 2);
    const patch = (url: string, offset: number, bytes: Buffer) =>
      fetch(new URL(url, vox.url), {
        method: 'PATCH',
        headers: { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        body: bytes,
      });
    expect((await patch(location, 0, body.subarray(0, half))).status).toBe(204);
    await first.stop('SIGKILL');

    const after = await restart();
    const resumedUrl = new URL(new URL(location, vox.url).pathname, after.url).toString();
    const afterTus = { Authorization: `Bearer ${await after.token('agent1')}`, 'Tus-Resumable': '1.0.0' };
    const head = await fetch(resumedUrl, { method: 'HEAD', headers: afterTus });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    const rest = await fetch(resumedUrl, {
      method: 'PATCH',
      headers: { ...afterTus, 'Upload-Offset': String(half), 'Content-Type': 'application/offset+octet-stream' },
      body: body.subarray(half),
    });
    expect(rest.status).toBe(204);
    const muxed: Recording = await until('the resumed upload muxed', async () => {
      const found = await after.recording(recording!.id);
      return found.screenRecordings.length > 0 ? found : undefined;
    });
    expect(muxed.screenRecordings).toHaveLength(1);
  }, 120_000);
});
