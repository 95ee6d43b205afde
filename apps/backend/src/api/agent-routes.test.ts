import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentStateEventSchema, auditListSchema } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
});

afterAll(async () => {
  await backend?.stop();
});

describe('the agent routes', () => {
  it('keeps each agent’s Ready state, starting Not Ready', async () => {
    const { token } = await backend.login('agent1');
    const before = await backend.call('GET', '/api/v2/agents/me/state', undefined, token);
    expect(agentStateEventSchema.parse(before.body)).toMatchObject({ dn: '7001', state: 'not-ready' });
    const set = await backend.call('PUT', '/api/v2/agents/me/state', { state: 'ready' }, token);
    expect(set.status).toBe(200);
    const after = await backend.call('GET', '/api/v2/agents/me/state', undefined, token);
    expect(agentStateEventSchema.parse(after.body)).toMatchObject({ dn: '7001', state: 'ready' });
    const other = await backend.call(
      'GET',
      '/api/v2/agents/me/state',
      undefined,
      (await backend.login('agent2')).token,
    );
    expect(agentStateEventSchema.parse(other.body)).toMatchObject({ dn: '7002', state: 'not-ready' });
  });

  it('refuses a state it does not know and a user who is not an agent', async () => {
    const { token } = await backend.login('agent1');
    expect((await backend.call('PUT', '/api/v2/agents/me/state', { state: 'busy' }, token)).status).toBe(400);
    const supervisor = (await backend.login('supervisor1')).token;
    expect((await backend.call('PUT', '/api/v2/agents/me/state', { state: 'ready' }, supervisor)).status).toBe(403);
  });

  it('keeps a screen recording incident in the audit log', async () => {
    const { token } = await backend.login('agent1');
    const incident = {
      connId: '006f02a6d1b9c2e1',
      recordingId: 'rec-incident',
      reason: 'disk_full',
      message: 'Screen recording stopped: the disk is full.',
    };
    expect((await backend.call('POST', '/api/v2/screen-recordings/incidents', incident, token)).status).toBe(204);
    expect(
      (await backend.call('POST', '/api/v2/screen-recordings/incidents', { ...incident, reason: 'bored' }, token))
        .status,
    ).toBe(400);
    const admin = (await backend.login('admin')).token;
    const audit = auditListSchema.parse((await backend.call('GET', '/api/v2/admin/audit', undefined, admin)).body);
    const entry = audit.records.find((r) => r.action === 'screen-incident');
    expect(entry).toMatchObject({
      actor: 'agent1',
      target: 'rec-incident',
      details: { connId: '006f02a6d1b9c2e1', dn: '7001', reason: 'disk_full' },
    });
  });
});
