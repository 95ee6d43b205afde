import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, Recording } from '@vox/shared';
import { cliPasswordFile } from '../../test-support/cli-password-file.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;
let admin: ApiClient;
let database: pg.Client;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
  admin = await backend.client('admin');
  database = new pg.Client({ connectionString: backend.vox.databaseUrl });
  await database.connect();
});

afterAll(async () => {
  await database?.end();
  await backend?.stop();
});

/** A recorded call on the agent's DN, stored; `daysAgo` backdates it for retention. */
async function recording(dn: string, daysAgo = 0): Promise<Recording> {
  const { connId } = await admin.call('createCall', {
    body: { ani: '5550500', dnis: '8005550100', targetDn: dn, record: 'destination' },
  });
  await backend.callAction(connId, 'answer', { dn });
  await new Promise((resolve) => setTimeout(resolve, 500));
  await backend.callAction(connId, 'release', { dn });
  const [stored] = await backend.recordingsOf(connId);
  if (daysAgo > 0) {
    await database.query(`UPDATE recordings SET start_time = start_time - make_interval(days => $2) WHERE id = $1`, [
      stored!.id,
      daysAgo,
    ]);
  }
  return stored!;
}

const mediaPath = (r: Recording) => {
  const start = new Date(r.mediaFiles[0]!.startTime);
  const day = start.toISOString().slice(0, 10).replaceAll('-', '/');
  return path.join(backend.dataDir, 'media', 'recordings', day, r.mediaFiles[0]!.mediaId);
};

describe('deleting a recording', () => {
  it('is for admins only: agents, supervisors of its group and of another group are refused', async () => {
    const sales = await recording('7001');
    for (const [user, status] of [
      ['agent1', 403],
      ['supervisor1', 403],
      ['supervisor2', 403],
    ] as const) {
      const answer = await backend.call(
        'DELETE',
        `/api/v2/recordings/${sales.id}`,
        undefined,
        await backend.token(user),
      );
      expect(answer.status, user).toBe(status);
    }
    await fs.access(mediaPath(sales));
    await admin.call('deleteRecording', { params: { id: sales.id } });
    await expect(fs.access(mediaPath(sales))).rejects.toThrow();
    expect(
      (await backend.call('GET', `/api/v2/recordings/${sales.id}`, undefined, await backend.token('admin'))).status,
    ).toBe(404);
    const { records } = await admin.call('listAudit');
    expect(records[0]).toMatchObject({ actor: 'admin', action: 'delete', target: sales.id, details: { files: 1 } });
  });

  it('is refused under legal hold, until the hold is lifted', async () => {
    const held = await recording('7002');
    const put = await admin.call('setLegalHold', {
      params: { id: held.id },
      body: { hold: true, reason: 'case 2026-118' },
    });
    expect(put.legalHold).toBe(true);
    const refused = await backend.call(
      'DELETE',
      `/api/v2/recordings/${held.id}`,
      undefined,
      await backend.token('admin'),
    );
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: expect.stringContaining('legal hold') } },
    });
    await fs.access(mediaPath(held));
    const supervisorHold = await backend.call(
      'PUT',
      `/api/v2/recordings/${held.id}/legal-hold`,
      { hold: false, reason: 'x' },
      await backend.token('supervisor1'),
    );
    expect(supervisorHold.status).toBe(403);
    await admin.call('setLegalHold', { params: { id: held.id }, body: { hold: false, reason: 'case closed' } });
    await admin.call('deleteRecording', { params: { id: held.id } });
    expect(
      (await backend.call('GET', `/api/v2/recordings/${held.id}`, undefined, await backend.token('admin'))).status,
    ).toBe(404);
  });
});

describe('retention', () => {
  it('purges by age and labels, never what is under legal hold; a dry run only lists', async () => {
    const old = await recording('7003', 40);
    const oldKept = await recording('7003', 40);
    const oldHeld = await recording('7004', 40);
    const recent = await recording('7004', 0);
    await admin.call('setLabels', { params: { id: oldKept.id }, body: { labels: ['keep-forever'] } });
    await admin.call('setLegalHold', { params: { id: oldHeld.id }, body: { hold: true, reason: 'litigation' } });
    await admin.call('setRetention', {
      body: { rules: [{ name: 'thirty-days', maxAgeDays: 30, excludeLabels: ['keep-forever'] }] },
    });

    const dry = await admin.call('purge', { query: { dryRun: '1' } });
    expect(dry.recordings.map((r) => r.id)).toEqual([old.id]);
    expect(dry.keptByLegalHold).toBe(1);
    await fs.access(mediaPath(old));

    const purged = await admin.call('purge');
    expect(purged).toMatchObject({ dryRun: false, recordings: [{ id: old.id, rule: 'thirty-days' }], failed: [] });
    await expect(fs.access(mediaPath(old))).rejects.toThrow();
    for (const kept of [oldKept, oldHeld, recent]) {
      expect(
        (await backend.call('GET', `/api/v2/recordings/${kept.id}`, undefined, await backend.token('admin'))).status,
      ).toBe(200);
    }
    const { records } = await admin.call('listAudit');
    expect(records.find((r) => r.action === 'purge')).toMatchObject({
      target: old.id,
      details: { rule: 'thirty-days' },
    });
    const labelled = await admin.call('listRecordings', { query: { label: 'keep-forever' } });
    expect(labelled.recordings.map((r) => r.id)).toEqual([oldKept.id]);
  });
});

describe('vox retention show, vox purge --dry-run', () => {
  it('print the rules and what they would purge', async () => {
    const cli = path.resolve(import.meta.dirname, '../../../bin/vox.mjs');
    const passwordFile = await cliPasswordFile(backend);
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [
        cli,
        ...args,
        '--url',
        backend.url,
        '--user',
        'admin',
        '--password-file',
        passwordFile,
      ]);
    expect((await run('retention', 'show')).stdout).toContain(
      'thirty-days: recordings older than 30 days, except those labelled keep-forever',
    );
    expect((await run('purge', '--dry-run')).stdout).toMatch(
      /0 recording\(s\) would be purged, 1 kept by legal hold, 0 failed/,
    );
  });
});
