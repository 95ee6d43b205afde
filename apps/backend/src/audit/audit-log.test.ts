import { execFile } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditListSchema, auditVerificationSchema } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
});

afterAll(async () => {
  await backend?.stop();
});

async function recordedCall(): Promise<{ recordingId: string; mediaId: string }> {
  const { connId } = (await backend.admin(
    'POST',
    '/api/v2/sim/calls',
    { ani: '5550400', dnis: '8005550100', targetDn: '7003', record: 'destination' },
    201,
  )) as { connId: string };
  await backend.admin('POST', `/api/v2/sim/calls/${connId}/answer`, { dn: '7003' });
  await new Promise((resolve) => setTimeout(resolve, 800));
  await backend.admin('POST', `/api/v2/sim/calls/${connId}/release`, { dn: '7003' });
  const [recording] = await backend.recordingsOf(connId);
  return { recordingId: recording!.id, mediaId: recording!.mediaFiles[0]!.mediaId };
}

async function fetchMedia(path: string, user: string, range?: string) {
  const response = await fetch(`${backend.url}${path}`, {
    headers: {
      Authorization: `Bearer ${await backend.token(user)}`,
      'User-Agent': 'vox-audit-test',
      ...(range ? { Range: range } : {}),
    },
  });
  await response.arrayBuffer();
  return response;
}

describe('the audit log', () => {
  it('records each playback and download (not each seek), who, what, from where; the chain verifies', async () => {
    const { recordingId, mediaId } = await recordedCall();
    const media = `/api/v2/recordings/${recordingId}/media/${mediaId}`;
    expect((await fetchMedia(media, 'supervisor2', 'bytes=0-')).status).toBe(206);
    expect((await fetchMedia(media, 'supervisor2', 'bytes=500-999')).status).toBe(206);
    const download = await fetchMedia(`${media}?download=1`, 'admin');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${mediaId}"`);
    // A supervisor of another group gets a 404 and leaves no playback record.
    expect((await fetchMedia(media, 'supervisor1')).status).toBe(404);

    const { records } = auditListSchema.parse(await backend.admin('GET', '/api/v2/admin/audit'));
    expect(records.map((r) => [r.actor, r.action, r.target])).toEqual([
      ['admin', 'download', `${recordingId}/${mediaId}`],
      ['supervisor2', 'playback', `${recordingId}/${mediaId}`],
    ]);
    expect(records[1]?.source).toMatch(/^127\.0\.0\.1 vox-audit-test$/);
    expect(auditVerificationSchema.parse(await backend.admin('GET', '/api/v2/admin/audit/verify'))).toMatchObject({
      records: 2,
      intact: true,
      headHash: records[0]!.hash,
    });
  });

  it('reports an edited record, and a deleted one, at the record where the chain breaks', async () => {
    const database = new pg.Client({ connectionString: backend.vox.databaseUrl });
    await database.connect();
    try {
      await database.query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1");
      expect(await backend.admin('GET', '/api/v2/admin/audit/verify')).toMatchObject({
        intact: false,
        brokenAt: 1,
        problem: expect.stringContaining('edited'),
      });
      await database.query("UPDATE audit_log SET actor = 'supervisor2' WHERE seq = 1");
      expect(await backend.admin('GET', '/api/v2/admin/audit/verify')).toMatchObject({ intact: true });
      await database.query('DELETE FROM audit_log WHERE seq = 1');
      expect(await backend.admin('GET', '/api/v2/admin/audit/verify')).toMatchObject({
        intact: false,
        brokenAt: 1,
        problem: 'record 1 is missing',
      });
    } finally {
      await database.end();
    }
  });
});

describe('vox audit verify', () => {
  it('says whether the chain is intact, with exit code 0 or 1', async () => {
    const cli = path.resolve(import.meta.dirname, '../../bin/vox.mjs');
    const outcome = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [cli, 'audit', 'verify', '--url', backend.url], (error, stdout) =>
        resolve({ code: error?.code === undefined ? 0 : Number(error.code), stdout }),
      );
    });
    // The previous test deleted record 1.
    expect(outcome).toEqual({
      code: 1,
      stdout: expect.stringContaining('audit log BROKEN at record 1: record 1 is missing'),
    });
  });
});

describe('vox keys rotate', () => {
  it('makes a new tenant key current; recordings of the old key still play; the rotation is audited', async () => {
    const before = await recordedCall();
    const cli = path.resolve(import.meta.dirname, '../../bin/vox.mjs');
    const rotated = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'keys', 'rotate', '--url', backend.url], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    const lines = rotated.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\* k\d{8}-[0-9a-f]{6}\t/);
    const after = await recordedCall();
    for (const { recordingId, mediaId } of [before, after]) {
      const response = await fetchMedia(`/api/v2/recordings/${recordingId}/media/${mediaId}`, 'admin');
      expect(response.status).toBe(200);
    }
    const { records } = auditListSchema.parse(await backend.admin('GET', '/api/v2/admin/audit'));
    expect(records.find((r) => r.action === 'key-rotate')?.target).toBe(lines[1]!.slice(2).split('\t')[0]);
  });
});
