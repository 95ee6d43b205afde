import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobOverview, TroubledJob } from '@vox/shared';
import { cliPasswordFile } from '../test-support/cli-password-file.ts';
import { runCli, voxCli } from '../test-support/cli-run.ts';
import { until } from '../test-support/polling.ts';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';
import { WebdavTestServer } from '../test-support/webdav-test-server.ts';

/**
 * What an admin sees of the background jobs and does about them, through the REST API and
 * `vox jobs`: a recording that cannot reach storage is a retrying job with storage's error, then
 * (out of runs) a failed one, and a retry once storage is back stores it.
 */
let dav: WebdavTestServer;
let vox: VoxTestBackend;

beforeAll(async () => {
  dav = await WebdavTestServer.start();
  vox = await VoxTestBackend.start({ VOX_STORAGE_URL: dav.url });
});

afterAll(async () => {
  await vox?.stop();
  await dav?.stop();
});

async function voxJobs(...args: string[]): Promise<{ code: number; stdout: string }> {
  const passwordFile = await cliPasswordFile(vox);
  const { code, stdout } = await runCli(voxCli, ['jobs', ...args], {
    VOX_URL: vox.url,
    VOX_USER: 'admin',
    VOX_PASSWORD_FILE: passwordFile,
  });
  return { code, stdout };
}

function storeJob(overview: JobOverview, state: TroubledJob['state']): TroubledJob | undefined {
  return overview.troubled.find((job) => job.queue === 'store-media' && job.state === state);
}

describe('a recording storage cannot take', () => {
  it('is listed as a retrying, then failed job, and stored when an admin retries it', async () => {
    const admin = await vox.client('admin');
    await dav.goDown();
    const connId = await vox.recordedCall('5550501', '7001', 800);

    const retrying = await until('the store job retrying', async () =>
      storeJob(await admin.call('jobOverview'), 'retrying'),
    );
    expect(retrying).toMatchObject({
      maxAttempts: 21,
      error: expect.stringMatching(/ECONNREFUSED|connect/) as unknown,
    });
    expect(retrying.subject).toMatch(/^recordings\/.*\.mp3$/);
    const listed = await voxJobs();
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^backend .* \(answered this\): \d+ running, seen \d+ s ago$/m);
    expect(listed.stdout).toContain(`RETRYING store-media ${retrying.id} ${retrying.subject}: run `);

    // Twenty retries take a day; the job is brought to its last run instead.
    const database = new pg.Client({ connectionString: vox.vox.databaseUrl });
    await database.connect();
    await database.query('UPDATE vox_jobs.job SET retry_limit = retry_count, start_after = now() WHERE id = $1', [
      retrying.id,
    ]);
    await database.end();
    const failed = await until('the store job failed', async () => storeJob(await admin.call('jobOverview'), 'failed'));
    expect(failed.id).toBe(retrying.id);
    const afterFailure = await voxJobs();
    expect(afterFailure.code).toBe(1);
    expect(afterFailure.stdout).toContain(`FAILED store-media ${failed.id}`);
    expect(await vox.recordingsOf(connId, 0)).toEqual([]);

    await dav.comeBack();
    const retried = await voxJobs('retry', 'store-media', failed.id);
    expect(retried).toEqual({ code: 0, stdout: `store-media job ${failed.id} queued to run again\n` });
    const [recording] = await vox.recordingsOf(connId, 1, 20_000);
    expect(recording!.mediaFiles).toHaveLength(1);
    const overview = await admin.call('jobOverview');
    expect(overview.troubled).toEqual([]);
    expect(overview.queues.find((queue) => queue.queue === 'store-media')).toMatchObject({ failed: 0, retrying: 0 });

    // Done: nothing failed is left to retry, and the retry is in the audit log.
    await expect(admin.call('retryJob', { params: { queue: 'store-media', id: failed.id } })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const { records } = await admin.call('listAudit', { query: { limit: 5, action: 'job-retry' } });
    expect(records.map((r) => [r.actor, r.target])).toEqual([[expect.any(String), `store-media/${failed.id}`]]);
  }, 120_000);
});
