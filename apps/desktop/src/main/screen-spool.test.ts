import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScreenUploadMetadata } from '@vox/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScreenSpoolError, ScreenSpoolStore } from './screen-spool.ts';

const metadata: ScreenUploadMetadata = {
  connId: '006f02a6d1b9c2e1',
  recordingId: 'rec-1',
  filetype: 'video/webm',
  startedAt: '2026-11-24T10:00:00.000Z',
};

let root: string;

beforeEach(async () => {
  root = path.join(await mkdtemp(path.join(tmpdir(), 'vox-spool-')), 'screen-spool');
});

afterEach(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

async function spoolError(promise: Promise<unknown>): Promise<ScreenSpoolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ScreenSpoolError)) throw new Error(`expected a ScreenSpoolError, got ${String(error)}`);
  return error;
}

describe('ScreenSpoolStore', () => {
  it('opens a folder per recording with a manifest on disk', async () => {
    const store = new ScreenSpoolStore(root, () => new Date('2026-11-24T10:00:01.000Z'));
    const { spoolId } = await store.open(metadata);
    const manifest = JSON.parse(await readFile(path.join(root, spoolId, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      spoolId,
      metadata,
      createdAt: '2026-11-24T10:00:01.000Z',
      state: 'recording',
      chunks: 0,
      bytes: 0,
    });
    expect((await stat(store.videoPath(spoolId))).size).toBe(0);
  });

  it('appends chunks in the order they were sent and counts them in the manifest', async () => {
    const store = new ScreenSpoolStore(root);
    const { spoolId } = await store.open(metadata);
    // Not awaited one by one: IPC handlers can overlap, the file must not.
    await Promise.all([
      store.append(spoolId, new Uint8Array([1, 2, 3])),
      store.append(spoolId, new Uint8Array([4, 5])),
      store.append(spoolId, new Uint8Array([6])),
    ]);
    expect([...(await readFile(store.videoPath(spoolId)))]).toEqual([1, 2, 3, 4, 5, 6]);
    const manifest = JSON.parse(await readFile(path.join(root, spoolId, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ chunks: 3, bytes: 6, state: 'recording' });
  });

  it('refuses chunks once the spool is closed', async () => {
    const store = new ScreenSpoolStore(root);
    const { spoolId } = await store.open(metadata);
    await store.append(spoolId, new Uint8Array([1]));
    expect((await store.close(spoolId)).state).toBe('closed');
    expect((await spoolError(store.append(spoolId, new Uint8Array([2])))).code).toBe('spool_closed');
    expect([...(await readFile(store.videoPath(spoolId)))]).toEqual([1]);
  });

  it('refuses spools it does not have, and ids that are not spool ids', async () => {
    const store = new ScreenSpoolStore(root);
    const unknown = '0b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f';
    expect((await spoolError(store.append(unknown, new Uint8Array([1])))).code).toBe('unknown_spool');
    expect((await spoolError(store.append('../../outside', new Uint8Array([1])))).code).toBe('unknown_spool');
  });

  it('finds the spools a previous run left, oldest first, and skips what is not a spool', async () => {
    let now = new Date('2026-11-24T10:00:00.000Z');
    const before = new ScreenSpoolStore(root, () => now);
    const first = await before.open(metadata);
    now = new Date('2026-11-24T11:00:00.000Z');
    const second = await before.open({ ...metadata, connId: '006f02a6d1b9c2e2' });
    await before.append(second.spoolId, new Uint8Array([9, 9]));
    await mkdir(path.join(root, 'not-a-spool'));
    await mkdir(path.join(root, 'e0b7c1f4-3d2a-4f6b-9c1e-2a3b4c5d6e7f'));
    await writeFile(path.join(root, 'e0b7c1f4-3d2a-4f6b-9c1e-2a3b4c5d6e7f', 'manifest.json'), '{"half": ');

    // A new store on the same folder: what the desktop sees after a crash and a restart.
    const after = new ScreenSpoolStore(root);
    const found = await after.list();
    expect(found.map((spool) => spool.spoolId)).toEqual([first.spoolId, second.spoolId]);
    expect(found[1]).toMatchObject({ state: 'recording', chunks: 1, bytes: 2 });
  });

  it('lists nothing before the first recording', async () => {
    expect(await new ScreenSpoolStore(root).list()).toEqual([]);
  });

  it('remembers the upload URL for a later resume', async () => {
    const store = new ScreenSpoolStore(root);
    const { spoolId } = await store.open(metadata);
    await store.rememberUploadUrl(spoolId, 'http://127.0.0.1:8080/api/v2/screen-recordings/uploads/abc');
    expect((await new ScreenSpoolStore(root).manifest(spoolId)).uploadUrl).toBe(
      'http://127.0.0.1:8080/api/v2/screen-recordings/uploads/abc',
    );
  });

  it('removes a spool with its folder', async () => {
    const store = new ScreenSpoolStore(root);
    const { spoolId } = await store.open(metadata);
    await store.remove(spoolId);
    await expect(stat(path.join(root, spoolId))).rejects.toThrow(/ENOENT/);
    expect(await store.list()).toEqual([]);
  });

  it('after a kill in the middle of a write, recovers every whole chunk and marks the recording cut', async () => {
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'test-support', 'spool-writer.ts'), root],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const spoolId = await new Promise<string>((resolve, reject) => {
      writer.stdout.once('data', (line: Buffer) => resolve(line.toString().trim()));
      writer.once('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
    });
    const store = new ScreenSpoolStore(root);
    // Killed while it keeps writing: wherever the kill lands, between or inside writes.
    for (let chunks = 0; chunks < 8;) chunks = (await store.manifest(spoolId).catch(() => ({ chunks: 0 }))).chunks;
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.once('exit', resolve));

    const afterRestart = new ScreenSpoolStore(root);
    const [left] = await afterRestart.list();
    expect(left?.state).toBe('recording');
    const recovered = await afterRestart.recover(spoolId);
    expect(recovered).toMatchObject({ state: 'closed', metadata: { interrupted: 'crash' } });
    const video = await readFile(afterRestart.videoPath(spoolId));
    expect(video.length).toBe(recovered.bytes);
    expect(video.length % (64 * 1024)).toBe(0);
    for (let i = 0; i < recovered.chunks; i++) {
      const chunk = video.subarray(i * 64 * 1024, (i + 1) * 64 * 1024);
      expect(chunk.every((byte) => byte === i % 251)).toBe(true);
    }
    expect(recovered.chunks).toBeGreaterThanOrEqual(8);
  });

  it('cuts a torn chunk a crash left after the last counted one', async () => {
    const store = new ScreenSpoolStore(root);
    const { spoolId } = await store.open(metadata);
    await store.append(spoolId, new Uint8Array([1, 2, 3]));
    await appendFile(store.videoPath(spoolId), new Uint8Array([4, 5]));
    const recovered = await new ScreenSpoolStore(root).recover(spoolId);
    expect([...(await readFile(store.videoPath(spoolId)))]).toEqual([1, 2, 3]);
    expect(recovered.metadata.interrupted).toBe('crash');
    // A closed spool is left as it is.
    expect(await new ScreenSpoolStore(root).recover(spoolId)).toEqual(recovered);
  });

  it('stops on a full disk with a clear error, keeping what was written', async () => {
    const store = new ScreenSpoolStore(root);
    const { spoolId } = await store.open(metadata);
    await store.append(spoolId, new Uint8Array([1, 2, 3]));
    // /dev/full answers every write with ENOSPC, as a full disk does.
    await rm(store.videoPath(spoolId));
    await symlink('/dev/full', store.videoPath(spoolId));
    const error = await spoolError(store.append(spoolId, new Uint8Array([4])));
    expect(error.code).toBe('disk_full');
    expect(error.message).toMatch(
      /^disk_full: the disk holding .* is full; the screen recording stops with the 3 bytes written/,
    );
    const manifest = await store.manifest(spoolId);
    expect(manifest).toMatchObject({ state: 'closed', bytes: 3, metadata: { interrupted: 'disk_full' } });
  });

  it('lists its own open spools as recording, and finishes only those an earlier run left', async () => {
    const earlierRun = new ScreenSpoolStore(root);
    const cut = await earlierRun.open(metadata);
    await earlierRun.append(cut.spoolId, new Uint8Array([1]));
    const thisRun = new ScreenSpoolStore(root);
    const live = await thisRun.open({ ...metadata, connId: '006f02a6d1b9c2e2' });
    expect(await thisRun.pending()).toEqual([
      { spoolId: cut.spoolId, connId: '006f02a6d1b9c2e1', bytes: 1, state: 'waiting' },
      { spoolId: live.spoolId, connId: '006f02a6d1b9c2e2', bytes: 0, state: 'recording' },
    ]);
    expect((await thisRun.leftovers()).map((spool) => spool.spoolId)).toEqual([cut.spoolId]);
    expect((await thisRun.manifest(live.spoolId)).state).toBe('recording');
    expect((await thisRun.pending())[0]).toMatchObject({ interrupted: 'crash' });
  });

  it('never takes a spool it is opening for one an earlier run left', async () => {
    const store = new ScreenSpoolStore(root);
    const opening = store.open(metadata);
    const [leftovers] = await Promise.all([store.leftovers(), opening]);
    expect(leftovers).toEqual([]);
    expect((await store.manifest((await opening).spoolId)).state).toBe('recording');
  });
});
