import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { WebdavTestServer } from '../../test-support/webdav-test-server.ts';
import { silentLogger } from '../../test-support/test-logger.ts';
import { StorageError } from './media-storage.ts';
import { JobQueue } from '../../platform/jobs/job-queue.ts';
import { StorageOutbox } from './storage-outbox.ts';
import { WebdavStorage } from './webdav-storage.ts';

/** A WebDAV server that is full (507), then failing (500), then fine: the outbox rides it out. */
let dav: WebdavTestServer;
let vox: VoxTestBackend;
let releasePuts: (() => void) | undefined;

beforeAll(async () => {
  dav = await WebdavTestServer.start();
  vox = await VoxTestBackend.start({ VOX_STORAGE_URL: dav.url });
});

afterAll(async () => {
  releasePuts?.();
  await vox?.stop();
  await dav?.stop();
});

interface StoreJobRow {
  local_file: string;
  /** runs that failed before this one */
  retry_count: number;
  last_error: string | null;
}

/** The store-media jobs not done yet, read from the job queue's table. */
async function storeJobs(): Promise<StoreJobRow[]> {
  const client = new pg.Client({ connectionString: vox.vox.databaseUrl });
  await client.connect();
  try {
    const result = await client.query<StoreJobRow>(
      `SELECT data->>'localFile' AS local_file, retry_count, output->>'message' AS last_error
         FROM vox_jobs.job WHERE name LIKE 'store-media/%' AND state <> 'completed'`,
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function until<T>(look: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await look();
    if (ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('WebDAV answering 507 Insufficient Storage, then 500', () => {
  it('keeps the finished recording in the outbox, then stores it once and lists it', async () => {
    dav.failNextPuts(507, 500);
    // The attempt after the two failures waits, so what the outbox holds can be looked at calmly.
    releasePuts = dav.holdPuts();
    const connId = await vox.recordedCall('5550401', '7001', 1000);

    await until(
      async () => dav.putsWaiting,
      (waiting) => waiting === 1,
    );
    expect(dav.putStatuses).toEqual([507, 500]);
    const [row, ...others] = await storeJobs();
    expect(others).toEqual([]);
    expect(row).toMatchObject({ retry_count: 2, last_error: expect.stringMatching(/answered 500/) as unknown });
    // The file is kept where the MCP wrote it, and nothing half-written is left on the server.
    await expect(fs.stat(row!.local_file)).resolves.toMatchObject({ size: expect.any(Number) as unknown });
    expect(await filesUnder(dav.dir)).toEqual([]);
    const admin = await vox.client('admin');
    expect(await admin.call('storageStatus')).toMatchObject({
      pending: 1,
      lastError: expect.stringMatching(/WebDAV PUT .* answered 500/) as unknown,
    });
    expect(await admin.call('listRecordings', { query: { connId } })).toMatchObject({ recordings: [] });
    // Its call's details are still needed (the Recording Processor merges them once it is stored).
    const jobs = await JobQueue.start({ databaseUrl: vox.vox.databaseUrl, nodeId: 'observer', log: silentLogger });
    const outbox = new StorageOutbox(jobs, new WebdavStorage(dav.url), { ingest: async () => {} }, silentLogger);
    expect(await outbox.pendingVoiceCalls().finally(() => jobs.stop())).toEqual(new Set([connId]));

    releasePuts();
    releasePuts = undefined;
    const [recording] = await vox.recordingsOf(connId, 1, 20_000);
    const media = recording!.mediaFiles[0]!;
    expect(dav.putStatuses.slice(2).filter((status) => status < 300)).toHaveLength(1);
    expect(await filesUnder(dav.dir)).toEqual([expect.stringMatching(new RegExp(`^recordings/.*/${media.mediaId}$`))]);
    await until(storeJobs, (rows) => rows.length === 0);
    await expect(fs.stat(row!.local_file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await vox.media(recording!.id, media.mediaId)).length).toBe(media.size);
    // Listed once, with its one file.
    expect(await vox.recordingsOf(connId)).toHaveLength(1);
    expect(recording!.mediaFiles).toHaveLength(1);
  });
});

describe('WebDAV down for long, then back', () => {
  it('stores the waiting files within seconds of its return, not at the end of their backoff', async () => {
    await dav.goDown();
    const connId = await vox.recordedCall('5550402', '7001', 800);
    // As after an outage of hours: its next retry an hour away (set once it has failed and waits).
    const client = new pg.Client({ connectionString: vox.vox.databaseUrl });
    await client.connect();
    const postponed = async () =>
      (
        await client.query(
          "UPDATE vox_jobs.job SET start_after = now() + interval '1 hour' WHERE name LIKE 'store-media/%' AND state = 'retry'",
        )
      ).rowCount;
    await until(postponed, (rows) => rows === 1);
    await client.end();
    await dav.comeBack();
    const [recording] = await vox.recordingsOf(connId, 1, 30_000);
    expect(recording!.mediaFiles).toHaveLength(1);
  }, 60_000);
});

/** How many of this process's file descriptors are open on `file`. */
async function openDescriptorsOn(file: string): Promise<number> {
  const targets = await Promise.all(
    (await fs.readdir('/proc/self/fd')).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  return targets.filter((target) => target === file).length;
}

describe('a WebDAV server refusing a long recording before reading it', () => {
  it('leaves the local file closed after each refused attempt, however often the outbox retries', async () => {
    // Larger than the socket buffers: the server answers while most of the file is still unsent.
    const file = path.join(vox.dataDir, 'long-recording.mp3');
    await fs.writeFile(file, Buffer.alloc(16 * 1024 * 1024, 0x55));
    const storage = new WebdavStorage(dav.url);
    const refusals = [507, 500, 502, 503, 507];
    dav.failNextPuts(...refusals);
    for (let attempt = 0; attempt < refusals.length; attempt++) {
      // The client hears the status, or a connection closed under its upload (EPIPE), whichever comes first.
      await expect(storage.putFile('recordings/long-recording.mp3', file)).rejects.toBeInstanceOf(StorageError);
    }
    expect(dav.putStatuses.slice(-refusals.length)).toEqual(refusals);
    expect(await openDescriptorsOn(file)).toBe(0);
    const stored = await storage.putFile('recordings/long-recording.mp3', file);
    expect(stored.size).toBe(16 * 1024 * 1024);
    expect(await openDescriptorsOn(file)).toBe(0);
  });
});
