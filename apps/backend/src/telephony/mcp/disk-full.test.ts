import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readinessSchema, type MediaFile } from '@vox/shared';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { SpawnedBackend } from '../../test-support/spawned-backend.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { sleep, until } from '../../test-support/polling.ts';
import { silentLogger } from '../../test-support/test-logger.ts';

const megabyte = 1024 * 1024;

describe('the data directory filling up', () => {
  const dirs: string[] = [];
  let database: Database | undefined;
  let backend: SpawnedBackend | undefined;

  afterAll(async () => {
    await backend?.stop('SIGTERM');
    await database?.close();
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it('stops recordings cleanly as disk_full, says so in /readyz, damages nothing stored, and records again once space is back', async () => {
    const temporary = async (prefix: string) => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    };
    // The database lives elsewhere, as an operator's would: only recordings fill this disk.
    database = await openDatabase({
      databaseUrl: undefined,
      dataDir: await temporary('vox-disk-db-'),
      log: silentLogger,
    });
    const dataDir = await temporary('vox-disk-');
    backend = await SpawnedBackend.start(
      {
        VOX_DATA_DIR: dataDir,
        VOX_DATABASE_URL: database.url,
        VOX_PORT: '0',
        VOX_SIP_PORT: 'off',
        VOX_DEMO: '1',
        VOX_DISK_RESERVE_MB: '4',
        VOX_MIN_FREE_DISK_MB: '4',
      },
      { tmpfsDataDirMb: 48 },
    );
    const vox = VoxTestBackend.attach(backend.running, dataDir);
    const readiness = async () => {
      const response = await fetch(`${vox.url}/readyz`);
      return { status: response.status, body: readinessSchema.parse(await response.json()) };
    };

    // A recording stored before the disk fills must play the same afterwards.
    const earlier = await vox.recordedCall('+15550005555', '7002', 2000);
    const [stored] = await vox.recordingsOf(earlier);
    const storedMp3 = stored!.mediaFiles[0]!;
    const storedBytes = await vox.media(stored!.id, storedMp3.mediaId);

    const { connId, answeredAt } = await vox.answeredCall('+15550006666', '7001');
    await sleep(3000);

    const disk = backend.mountedDataDir(dataDir);
    const { bavail, bsize } = await fs.statfs(disk);
    const filler = path.join(disk, 'filler');
    await fs.writeFile(filler, Buffer.alloc(bavail * bsize - 2 * megabyte));
    const filledAt = Date.now();
    const notReady = await until('/readyz not ready', async () => {
      const answer = await readiness();
      return answer.status === 503 ? answer.body : undefined;
    });
    expect(notReady.checks.disk.ok).toBe(false);
    expect(notReady.checks.disk.reason).toMatch(/MB free/);
    await sleep(3000);

    await fs.rm(filler);
    const freedAt = Date.now();
    await until('/readyz ready again', async () => ((await readiness()).status === 200 ? true : undefined));
    await sleep(3000);
    await vox.callAction(connId, 'release', { dn: '7001' });

    const [recording] = await vox.recordingsOf(connId, 2, 30_000);
    const [cut, resumed] = recording!.mediaFiles as [MediaFile, MediaFile];
    expect(recording!.mediaFiles).toHaveLength(2);
    // Stopped within the guard's second of the disk filling, sealed whole (not cut at a chunk).
    expect(cut.interrupted).toBe('disk_full');
    expect(Math.abs(cut.duration - (filledAt - answeredAt))).toBeLessThan(1500);
    expect(resumed.interrupted).toBeUndefined();
    expect(Date.parse(resumed.startTime) - freedAt).toBeGreaterThanOrEqual(0);
    expect(Date.parse(resumed.startTime) - freedAt).toBeLessThan(2000);
    expect(await vox.media(stored!.id, storedMp3.mediaId)).toEqual(storedBytes);
    expect(backend.log).toMatch(/disk full: .* recordings stop until space is back/);
    expect(backend.log).toMatch(/disk space is back/);
  }, 120_000);
});
