import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLadderSchema, recordingListSchema, type ApiClient, type AuditQuery, type Recording } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;
let admin: ApiClient;
const calls: Recording[] = [];

/** A recorded call of `ms` on `dn`, stored. */
async function recordedCall(ani: string, dn: string, ms: number): Promise<Recording> {
  return (await backend.recordingsOf(await backend.recordedCall(ani, dn, ms)))[0]!;
}

beforeAll(async () => {
  backend = await VoxTestBackend.start();
  admin = await backend.client('admin');
  // Three sales calls of clearly different lengths, one support call.
  calls.push(await recordedCall('5550701', '7001', 1500));
  calls.push(await recordedCall('5550702', '7002', 400));
  calls.push(await recordedCall('5550703', '7001', 900));
  calls.push(await recordedCall('5550704', '7003', 400));
});

afterAll(async () => {
  await backend?.stop();
});

describe("a recording's call ladder", () => {
  it('is kept when the call ends: the INVITE to the Resource Manager and the MSML INFOs, in order', async () => {
    const sales = calls[0]!;
    const ladder = callLadderSchema.parse(
      (
        await backend.call(
          'GET',
          `/api/v2/recordings/${sales.id}/ladder`,
          undefined,
          await backend.token('supervisor1'),
        )
      ).body,
    );
    expect(ladder.connId).toBe(sales.connId);
    const summaries = ladder.messages.map((m) => `${m.from} -> ${m.to}: ${m.summary}`);
    const invite = summaries.findIndex((s) => /^SIP Server -> Resource Manager: INVITE sip:msml=/.test(s));
    const start = summaries.findIndex((s) => /^SIP Server -> Resource Manager: INFO .*\(MSML dialogstart\)$/.test(s));
    const end = summaries.findIndex((s) => /^SIP Server -> Resource Manager: INFO .*\(MSML dialogend\)$/.test(s));
    const bye = summaries.findIndex((s) => /^SIP Server -> Resource Manager: BYE /.test(s));
    expect([invite, start, end, bye].every((i) => i >= 0)).toBe(true);
    expect(invite).toBeLessThan(start);
    expect(start).toBeLessThan(end);
    expect(end).toBeLessThan(bye);
    expect(ladder.messages.find((m) => m.summary.includes('dialogstart'))?.text).toContain('<record ');
  });

  it('is hidden, like the recording, from a supervisor of another group', async () => {
    const answer = await backend.call(
      'GET',
      `/api/v2/recordings/${calls[0]!.id}/ladder`,
      undefined,
      await backend.token('supervisor2'),
    );
    expect(answer.status).toBe(404);
  });
});

describe('search order and paging', () => {
  it('sorts by duration either way and pages with a cursor of that order', async () => {
    const token = await backend.token('supervisor1');
    const page = async (query: string) =>
      recordingListSchema.parse((await backend.call('GET', `/api/v2/recordings?${query}`, undefined, token)).body);
    const longestFirst = await page('sort=-duration&limit=2');
    expect(longestFirst.recordings.map((r) => r.id)).toEqual([calls[0]!.id, calls[2]!.id]);
    const rest = await page(`sort=-duration&limit=2&cursor=${longestFirst.nextCursor}`);
    expect(rest.recordings.map((r) => r.id)).toEqual([calls[1]!.id]);
    expect(rest.nextCursor).toBeNull();
    const shortestFirst = await page('sort=duration&limit=3');
    expect(shortestFirst.recordings.map((r) => r.id)).toEqual([calls[1]!.id, calls[2]!.id, calls[0]!.id]);
    const oldestFirst = await page('sort=startTime');
    expect(oldestFirst.recordings.map((r) => r.id)).toEqual([calls[0]!.id, calls[1]!.id, calls[2]!.id]);
    // A cursor of one order is refused for another rather than silently skipping rows.
    expect(
      (await backend.call('GET', `/api/v2/recordings?cursor=${longestFirst.nextCursor}`, undefined, token)).status,
    ).toBe(400);
  });
});

describe('rights and the audit of what supervisors and admins change', () => {
  it('audits labels, lets the admin withdraw a supervisor download right, and filters the log', async () => {
    const sales = calls[2]!;
    const supervisor = await backend.token('supervisor1');
    const media = `/api/v2/recordings/${sales.id}/media/${sales.mediaFiles[0]!.mediaId}?download=1`;
    expect(
      (await backend.call('PUT', `/api/v2/recordings/${sales.id}/labels`, { labels: ['coaching'] }, supervisor)).status,
    ).toBe(200);
    const allowed = await fetch(`${backend.url}${media}`, { headers: { Authorization: `Bearer ${supervisor}` } });
    await allowed.arrayBuffer();
    expect(allowed.status).toBe(200);
    expect(
      await admin.call('updateUser', { params: { username: 'supervisor1' }, body: { mayDownload: false } }),
    ).toMatchObject({ username: 'supervisor1', mayDownload: false });
    const refused = await fetch(`${backend.url}${media}`, { headers: { Authorization: `Bearer ${supervisor}` } });
    expect(refused.status).toBe(403);
    await admin.call('updateUser', { params: { username: 'supervisor1' }, body: { mayDownload: true } });

    const audit = async (query: Partial<AuditQuery>) => (await admin.call('listAudit', { query })).records;
    const ofRecording = await audit({ recordingId: sales.id });
    expect(ofRecording.map((r) => [r.actor, r.action])).toEqual([
      ['supervisor1', 'download'],
      ['supervisor1', 'labels'],
    ]);
    expect(ofRecording[1]!.details).toEqual({ labels: ['coaching'] });
    expect((await audit({ action: 'user-update', actor: 'admin' })).map((r) => [r.target, r.details])).toEqual([
      ['supervisor1', { mayDownload: true }],
      ['supervisor1', { mayDownload: false }],
    ]);
    expect(await audit({ actor: 'supervisor2', recordingId: sales.id })).toEqual([]);
  });

  it('creates and changes users (never logging a password), refuses a taken DN, and lists the groups', async () => {
    const created = await admin.call('createUser', {
      body: { username: 'agent9', password: 'agent9-secret', role: 'agent', dn: '7009', group: 'billing' },
    });
    expect(created).toEqual({ id: 'agent9', username: 'agent9', role: 'agent', dn: '7009', group: 'billing' });
    await expect(backend.login('agent9')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    const login = await backend.call('POST', '/api/v2/auth/login', { username: 'agent9', password: 'agent9-secret' });
    expect(login.status).toBe(200);
    const taken = await backend.call(
      'POST',
      '/api/v2/admin/users',
      { username: 'agent10', password: 'agent10-secret', role: 'agent', dn: '7001' },
      await backend.token('admin'),
    );
    expect(taken.status).toBe(409);
    expect(
      await admin.call('updateUser', {
        params: { username: 'agent9' },
        body: { group: 'sales', password: 'another-secret' },
      }),
    ).toMatchObject({ group: 'sales' });
    // The new password ended the old sessions.
    const token = (login.body as { token: string }).token;
    expect((await backend.call('GET', '/api/v2/sim/register', undefined, token)).status).toBe(401);

    const { groups } = await admin.call('listGroups');
    expect(groups.find((g) => g.name === 'sales')).toEqual({
      name: 'sales',
      supervisors: ['supervisor1'],
      agents: ['agent1', 'agent2', 'agent9'],
    });
    const { users } = await admin.call('listUsers');
    expect(users.map((u) => u.username)).toContain('agent9');
    const log = (await admin.call('listAudit', { query: { actor: 'admin', limit: 2 } })).records;
    expect(log.map((r) => [r.action, r.details])).toEqual([
      ['user-update', { group: 'sales', passwordChanged: true }],
      ['user-create', { username: 'agent9', role: 'agent', dn: '7009', group: 'billing' }],
    ]);
    expect(JSON.stringify(log)).not.toContain('secret');
    // Supervisors do not manage users.
    expect(
      (await backend.call('GET', '/api/v2/admin/users', undefined, await backend.token('supervisor1'))).status,
    ).toBe(403);
  });

  it('audits DN recording configuration', async () => {
    await admin.call('configureDn', { params: { dn: '7004' }, body: { type: 'Extension', record: true } });
    const [record] = (await admin.call('listAudit', { query: { action: 'dn-config' } })).records;
    expect(record).toMatchObject({ actor: 'admin', target: '7004', details: { type: 'Extension', record: true } });
  });
});
