import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readinessSchema, type Readiness } from '@vox/shared';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { WebdavTestServer } from '../../test-support/webdav-test-server.ts';

async function readiness(backend: VoxTestBackend): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${backend.url}/readyz`);
  return { status: response.status, body: readinessSchema.parse(await response.json()) };
}

async function liveness(backend: VoxTestBackend): Promise<number> {
  return (await fetch(`${backend.url}/healthz`)).status;
}

describe('GET /readyz with local media storage', () => {
  let backend: VoxTestBackend;

  beforeAll(async () => {
    backend = await VoxTestBackend.start();
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('is ready after a normal start, every check ok', async () => {
    const { status, body } = await readiness(backend);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    const { database, storage, mediaEngine, disk } = body.checks;
    expect([database.ok, storage.ok, mediaEngine.ok, disk.ok]).toEqual([true, true, true, true]);
    expect(storage.kind).toBe('local');
    expect(mediaEngine.workers).toBeGreaterThan(0);
    expect(disk.minFreeBytes).toBe(512 * 1024 * 1024);
    expect(disk.freeBytes).toBeGreaterThanOrEqual(disk.minFreeBytes);
  });

  it('is not ready, naming storage, while the media directory is unusable; alive all along', async () => {
    const mediaDir = path.join(backend.dataDir, 'media');
    await fs.rm(mediaDir, { recursive: true, force: true });
    await fs.writeFile(mediaDir, 'a file where the media directory belongs');
    try {
      const { status, body } = await readiness(backend);
      expect(status).toBe(503);
      expect(body.status).toBe('not_ready');
      expect(body.checks.storage).toMatchObject({ ok: false, kind: 'local' });
      expect(body.checks.storage.reason).toContain(`the media directory ${mediaDir} is not usable`);
      expect([body.checks.database.ok, body.checks.mediaEngine.ok, body.checks.disk.ok]).toEqual([true, true, true]);
      expect(await liveness(backend)).toBe(200);
    } finally {
      await fs.rm(mediaDir, { force: true });
    }
    expect((await readiness(backend)).status).toBe(200);
  });
});

describe('GET /readyz with a disk threshold above the free space', () => {
  let backend: VoxTestBackend;

  beforeAll(async () => {
    // A petabyte (the most it takes): no test machine has that much free.
    backend = await VoxTestBackend.start({ VOX_MIN_FREE_DISK_MB: String(1024 ** 3) });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('is not ready, naming the disk and the variable', async () => {
    const { status, body } = await readiness(backend);
    expect(status).toBe(503);
    expect(body.checks.disk.ok).toBe(false);
    expect(body.checks.disk.minFreeBytes).toBe(1024 ** 5);
    expect(body.checks.disk.freeBytes).toBeGreaterThan(0);
    expect(body.checks.disk.freeBytes).toBeLessThan(body.checks.disk.minFreeBytes);
    expect(body.checks.disk.reason).toMatch(/MB free, under VOX_MIN_FREE_DISK_MB/);
    expect(body.checks.storage.ok).toBe(true);
  });
});

describe('GET /readyz with WebDAV storage', () => {
  let dav: WebdavTestServer;
  let backend: VoxTestBackend;

  beforeAll(async () => {
    dav = await WebdavTestServer.start();
    backend = await VoxTestBackend.start({ VOX_STORAGE_URL: dav.url });
  });

  afterAll(async () => {
    await backend?.stop();
    await dav?.stop();
  });

  it('follows the WebDAV server: ready, not ready while it is down, ready when it is back', async () => {
    const up = await readiness(backend);
    expect(up.status).toBe(200);
    expect(up.body.checks.storage).toMatchObject({ ok: true, kind: 'webdav' });

    await dav.goDown();
    const down = await readiness(backend);
    expect(down.status).toBe(503);
    expect(down.body.checks.storage).toMatchObject({ ok: false, kind: 'webdav' });
    expect(down.body.checks.storage.reason).toMatch(/^the WebDAV storage does not answer: .*ECONNREFUSED/);
    // The storage URL's password never shows.
    expect(JSON.stringify(down.body)).not.toContain('s3cret');
    expect(await liveness(backend)).toBe(200);

    await dav.comeBack();
    expect((await readiness(backend)).status).toBe(200);
  });
});

describe('GET /readyz with WebDAV storage that accepts connections and never answers', () => {
  let silent: net.Server;
  const held: net.Socket[] = [];
  let backend: VoxTestBackend;

  beforeAll(async () => {
    silent = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    backend = await VoxTestBackend.start({ VOX_STORAGE_URL: `webdav+http://127.0.0.1:${port}/` });
  });

  afterAll(async () => {
    await backend?.stop();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('answers not ready at its deadline instead of hanging with the storage', async () => {
    const { status, body } = await readiness(backend);
    expect(status).toBe(503);
    expect(body.checks.storage.ok).toBe(false);
    // The check's deadline or the probe's own socket timeout, whichever fires first: both are 2 s.
    expect(body.checks.storage.reason).toMatch(/did not answer within 2000 ms|timed out/);
    expect(body.checks.database.ok).toBe(true);
  });
});
