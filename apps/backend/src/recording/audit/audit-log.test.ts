import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, AuditRecord } from '@vox/shared';
import { cliPasswordFile } from '../../test-support/cli-password-file.ts';
import { recordedScreen, uploadScreen } from '../../test-support/screen-upload-client.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { AuditLog } from './audit-log.ts';

let backend: VoxTestBackend;
let admin: ApiClient;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
  admin = await backend.client('admin');
});

afterAll(async () => {
  await backend?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function recordedCall(dn = '7003'): Promise<{ connId: string; recordingId: string; mediaId: string }> {
  const { connId } = await admin.call('createCall', {
    body: { ani: '5550400', dnis: '8005550100', targetDn: dn, record: 'destination' },
  });
  await backend.callAction(connId, 'answer', { dn });
  await pause(800);
  await backend.callAction(connId, 'release', { dn });
  const [recording] = await backend.recordingsOf(connId);
  return { connId, recordingId: recording!.id, mediaId: recording!.mediaFiles[0]!.mediaId };
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

async function auditRecords(): Promise<AuditRecord[]> {
  return (await admin.call('listAudit', { query: { limit: 1000 } })).records;
}

const verify = () => admin.call('verifyAudit');

/** A failed login: an audit record anyone can cause. */
async function failedLogin(username: string): Promise<void> {
  const answer = await backend.call('POST', '/api/v2/auth/login', { username, password: 'not-the-password' });
  expect(answer.status).toBe(401);
}

/**
 * Lets `work` tamper with the audit table as someone with database access would, then puts the
 * records it had back (records appended meanwhile chain on from the head, so they stay).
 */
async function tampering(work: (database: pg.Client) => Promise<void>): Promise<void> {
  const database = new pg.Client({ connectionString: backend.vox.databaseUrl });
  await database.connect();
  try {
    await database.query('CREATE TEMP TABLE kept AS SELECT * FROM audit_log');
    try {
      await work(database);
    } finally {
      await database.query('DELETE FROM audit_log WHERE seq <= (SELECT max(seq) FROM kept)');
      await database.query('INSERT INTO audit_log SELECT * FROM kept');
    }
    expect(await verify()).toMatchObject({ intact: true });
  } finally {
    await database.end();
  }
}

/** The unkeyed hash of before, as anyone who can read the source can compute it. */
function plainHash(row: AuditRow, prevHash: string): string {
  const canonical = JSON.stringify([
    Number(row.seq),
    row.at.toISOString(),
    row.actor,
    row.action,
    row.target,
    row.source,
    Object.entries(row.details).sort(([a], [b]) => a.localeCompare(b)),
    prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

interface AuditRow {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  target: string;
  source: string;
  details: Record<string, unknown>;
}

/** Rewrites every record's chain with plain SHA-256, as an attacker without the key can. */
async function rehashWithSha256(database: pg.ClientBase): Promise<void> {
  const { rows } = await database.query<AuditRow>('SELECT * FROM audit_log ORDER BY seq');
  let prevHash = '0'.repeat(64);
  for (const row of rows) {
    const hash = plainHash(row, prevHash);
    await database.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [row.seq, prevHash, hash]);
    prevHash = hash;
  }
}

const voxCli = path.resolve(import.meta.dirname, '../../../bin/vox.mjs');

async function vox(...args: string[]): Promise<{ code: number; stdout: string }> {
  const passwordFile = await cliPasswordFile(backend);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [voxCli, ...args, '--url', backend.url, '--user', 'admin', '--password-file', passwordFile],
      (error, stdout) => resolve({ code: error?.code === undefined ? 0 : Number(error.code), stdout }),
    );
  });
}

describe('the audit log', () => {
  it('chains each record to the one before with a keyed hash; the chain verifies against its head', async () => {
    const { recordingId, mediaId } = await recordedCall();
    const media = `/api/v2/recordings/${recordingId}/media/${mediaId}`;
    expect((await fetchMedia(media, 'supervisor2')).status).toBe(200);
    const records = await auditRecords();
    expect(records.find((r) => r.target === `${recordingId}/${mediaId}`)?.source).toBe('127.0.0.1 vox-audit-test');
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => records.length - i));
    records.slice(1).forEach((older, i) => expect(records[i]!.prevHash).toBe(older.hash));
    expect(await verify()).toEqual({
      records: records.length,
      intact: true,
      keyedFrom: 1,
      headHash: records[0]!.hash,
    });
  });

  it('reports an edited record, and a deleted one, at the record where the chain breaks', async () => {
    await tampering(async (database) => {
      const { rows } = await database.query<{ actor: string }>('SELECT actor FROM audit_log WHERE seq = 1');
      await database.query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1");
      expect(await verify()).toMatchObject({ intact: false, brokenAt: 1, problem: expect.stringContaining('edited') });
      await database.query('UPDATE audit_log SET actor = $1 WHERE seq = 1', [rows[0]!.actor]);
      expect(await verify()).toMatchObject({ intact: true });
      await database.query('DELETE FROM audit_log WHERE seq = 1');
      expect(await verify()).toMatchObject({ intact: false, brokenAt: 1, problem: 'record 1 is missing' });
    });
  });

  it('finds the newest records deleted, by the head kept outside the database, even after later records', async () => {
    await failedLogin('deleted-first');
    await failedLogin('deleted-second');
    const newest = (await auditRecords())[0]!.seq;
    await tampering(async (database) => {
      await database.query('DELETE FROM audit_log WHERE seq >= $1', [newest - 1]);
      expect(await verify()).toMatchObject({
        intact: false,
        brokenAt: newest - 1,
        problem: expect.stringContaining('the newest records were deleted'),
      });
      // The next record does not close the gap: it goes on from the head, not from the database.
      await failedLogin('after-the-deletion');
      expect(await verify()).toMatchObject({
        intact: false,
        brokenAt: newest - 1,
        problem: `record ${newest - 1} is missing`,
      });
      expect((await auditRecords())[0]).toMatchObject({ seq: newest + 1, target: 'after-the-deletion' });
    });
    await tampering(async (database) => {
      await database.query('DELETE FROM audit_log');
      expect(await verify()).toMatchObject({
        records: 0,
        intact: false,
        brokenAt: 1,
        problem: expect.stringContaining('the newest records were deleted'),
      });
    });
  });

  it('finds a chain re-hashed with plain SHA-256 after an edit: the hashes are keyed', async () => {
    await tampering(async (database) => {
      await database.query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1");
      await rehashWithSha256(database);
      expect(await verify()).toMatchObject({
        intact: false,
        brokenAt: 1,
        problem: 'its fields do not match its hash (edited)',
      });
    });
  });

  it('keeps verifying a chain written before the key: records from the switch on are keyed', async () => {
    const pool = new pg.Pool({ connectionString: backend.vox.databaseUrl });
    const files = {
      keyFile: path.join(backend.dataDir, 'legacy', 'audit-key'),
      headFile: path.join(backend.dataDir, 'legacy', 'audit-head.json'),
    };
    try {
      await tampering(async (database) => {
        // The chain as the backend wrote it before the key existed.
        await rehashWithSha256(database);
        const legacy = Number((await database.query<{ n: string }>('SELECT max(seq) AS n FROM audit_log')).rows[0]!.n);
        const audit = await AuditLog.open(pool, files);
        expect((await fs.stat(files.keyFile)).mode & 0o777).toBe(0o600);
        expect(await audit.verify()).toMatchObject({ records: legacy, intact: true, keyedFrom: legacy + 1 });
        // An edit of the unkeyed part, re-hashed, is caught by the head the switch wrote.
        await database.query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1");
        await rehashWithSha256(database);
        expect(await audit.verify()).toMatchObject({
          intact: false,
          brokenAt: legacy,
          problem: expect.stringContaining('re-hashed'),
        });
        await database.query('DELETE FROM audit_log WHERE seq <= $1', [legacy]);
        await database.query('INSERT INTO audit_log SELECT * FROM kept');
        await rehashWithSha256(database);

        const appended = await audit.append({ actor: 'admin', action: 'key-rotate', target: 'k1', source: 'test' });
        expect(appended.seq).toBe(legacy + 1);
        expect(await audit.verify()).toMatchObject({ records: legacy + 1, intact: true, keyedFrom: legacy + 1 });
        // The keyed record cannot be re-hashed without the key.
        await rehashWithSha256(database);
        expect(await audit.verify()).toMatchObject({ intact: false, brokenAt: legacy + 1 });
        await database.query('DELETE FROM audit_log WHERE seq > $1', [legacy]);
      });
    } finally {
      await pool.end();
    }
  });
});

describe('vox audit verify', () => {
  it('says whether the chain is intact, with exit code 0 or 1; deleted newest records are found', async () => {
    expect(await vox('audit', 'verify')).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^audit log intact: \d+ records, keyed from record 1, head [0-9a-f]{64}\n$/),
    });
    const newest = (await auditRecords())[0]!.seq;
    await tampering(async (database) => {
      await database.query('DELETE FROM audit_log WHERE seq = $1', [newest]);
      // The CLI's own login is audited before it asks: the deletion shows as a gap.
      expect(await vox('audit', 'verify')).toEqual({
        code: 1,
        stdout: expect.stringContaining(`audit log BROKEN at record ${newest}: record ${newest} is missing`),
      });
    });
  });
});

describe('vox audit list', () => {
  it('shows control characters in any field escaped, never sends them to the terminal', async () => {
    // A carriage return passes the API's control-character check (free text may hold one).
    await failedLogin('agent1\rsomeone-else');
    await tampering(async (database) => {
      // And someone with database access writes an escape sequence that would clear the screen.
      await database.query("UPDATE audit_log SET source = E'\\u001b[2J\\u009b31m\\u202e' || source WHERE seq = 1");
      const { code, stdout } = await vox('audit', 'list', '--limit', '1000');
      expect(code).toBe(0);
      expect(stdout.replace(/[\t\n]/g, '')).not.toMatch(/\p{Cc}|\u202e/u);
      expect(stdout).toMatch(/^1\t\S+\t\S+\t\S+\t\S+\t\\x1b\[2J\\x9b31m\\u202e/m);
      expect(stdout).toContain('\tlogin-failed\tagent1\\rsomeone-else\t');
    });
  });
});

describe('vox keys rotate', () => {
  it('makes a new tenant key current; recordings of the old key still play; the rotation is audited', async () => {
    const before = await recordedCall();
    const rotated = await vox('keys', 'rotate');
    expect(rotated.code).toBe(0);
    const lines = rotated.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\* k\d{8}-[0-9a-f]{6}\t/);
    const after = await recordedCall();
    for (const { recordingId, mediaId } of [before, after]) {
      const response = await fetchMedia(`/api/v2/recordings/${recordingId}/media/${mediaId}`, 'admin');
      expect(response.status).toBe(200);
    }
    const records = await auditRecords();
    expect(records.find((r) => r.action === 'key-rotate')?.target).toBe(lines[1]!.slice(2).split('\t')[0]);
  });
});

describe('actions that used to leave no trace', () => {
  it('audits retention rule changes, MCP failures and recoveries, finished screen uploads and user changes', async () => {
    const rules = [{ name: 'ninety-days', maxAgeDays: 90, includeLabels: [], excludeLabels: ['keep'] }];
    await admin.call('setRetention', { body: { rules } });
    const { mcps } = await admin.call('listMcps');
    const mcp = mcps[0]!.name;
    await admin.call('failMcp', { params: { name: mcp } });
    await admin.call('recoverMcp', { params: { name: mcp } });
    // A scenario's MCP steps are the same act as the routes'.
    const run = await admin.call('startScenario', {
      query: { wait: '1' },
      body: { name: 'recover all', steps: [{ action: 'recover-mcps' }] },
    });
    expect(run.state).toBe('passed');
    await admin.call('updateUser', { params: { username: 'agent2' }, body: { mayDownload: true } });

    const startedAt = new Date().toISOString();
    const call = await recordedCall('7001');
    const screen = await recordedScreen(backend.dataDir, 0.5);
    const uploaded = await uploadScreen(backend, 'agent1', screen, {
      connId: call.connId,
      recordingId: call.recordingId,
      startedAt,
    });
    expect(uploaded).toMatchObject({ created: 201, patched: 204 });

    const records = await auditRecords();
    const { users } = await admin.call('listUsers');
    const idOf = (username: string) => users.find((u) => u.username === username)!.id;
    const adminId = idOf('admin');
    const of = (action: string) => records.filter((r) => r.action === action);
    expect(of('retention-rules')).toMatchObject([
      { actor: adminId, target: 'retention', details: { previous: [], rules } },
    ]);
    expect(of('mcp-fail')).toMatchObject([
      { actor: adminId, target: mcp, source: expect.stringMatching(/^127\.0\.0\.1/) },
    ]);
    expect(of('mcp-recover').map((r) => [r.target, r.source])).toEqual([
      ...mcps.map((m) => [m.name, `scenario run ${run.id}`]).reverse(),
      [mcp, expect.stringMatching(/^127\.0\.0\.1/)],
    ]);
    expect(of('user-update')).toMatchObject([
      { actor: adminId, target: idOf('agent2'), details: { mayDownload: true } },
    ]);
    expect(of('screen-upload')).toMatchObject([
      {
        actor: idOf('agent1'),
        target: call.recordingId,
        source: 'screen upload',
        details: { connId: call.connId, bytes: expect.any(Number), startedAt },
      },
    ]);
    expect(await verify()).toEqual(expect.objectContaining({ intact: true }));
  });
});
