import { auditListSchema, createCallResponseSchema, eventErrorSchema } from '@vox/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

/** Who may control a live call's recording: tried as an attacker with an agent's login would. */
let vox: VoxTestBackend;

beforeAll(async () => {
  vox = await VoxTestBackend.start();
});

afterAll(async () => {
  await vox?.stop();
});

async function recordedCallOn(dn: string, ani: string): Promise<string> {
  const created = createCallResponseSchema.parse(
    await vox.admin('POST', '/api/v2/sim/calls', { ani, dnis: '8005550100', targetDn: dn, record: 'destination' }, 201),
  );
  await vox.admin('POST', `/api/v2/sim/calls/${created.connId}/answer`, { dn });
  return created.connId;
}

async function privateService(username: string, body: Record<string, unknown>) {
  return vox.call('POST', '/api/v2/sim/private-service', body, await vox.token(username));
}

describe('TPrivateService on a call the DN is not on', () => {
  it("is refused with EventError 1610: agent1 cannot pause, stop or restart agent3's recording", async () => {
    const connId = await recordedCallOn('7003', '5550301');
    for (const privateMsgId of [3015, 3014]) {
      const answer = await privateService('agent1', { privateMsgId, thisDn: '7001', connId });
      expect(answer.status).toBe(403);
      expect(eventErrorSchema.parse(answer.body)).toMatchObject({ errorCode: 1610, errorName: 'DNNotInCall', connId });
    }
    const restart = await privateService('agent1', {
      privateMsgId: 3013,
      thisDn: '7001',
      connId,
      extensions: { record: 'source', id: 'agent1-chose-this', dest: 'agent1/folder' },
    });
    expect(eventErrorSchema.parse(restart.body).errorCode).toBe(1610);
    // The recording goes on untouched.
    const snapshot = await vox.admin('GET', `/api/v2/sim/calls/${connId}`);
    expect(snapshot).toMatchObject({ recording: { state: 'recording' } });
    await vox.admin('POST', `/api/v2/sim/calls/${connId}/release`, { dn: '7003' });
  });

  it('is refused to a party that has left the call, and accepted and audited for one on it', async () => {
    const connId = await recordedCallOn('7001', '5550302');
    await vox.admin('POST', `/api/v2/sim/calls/${connId}/transfer`, { dn: '7001', toDn: '7002' });
    await vox.admin('POST', `/api/v2/sim/calls/${connId}/answer`, { dn: '7002' });
    const left = await privateService('agent1', { privateMsgId: 3015, thisDn: '7001', connId });
    expect(eventErrorSchema.parse(left.body).errorCode).toBe(1610);

    // The recording ended with 7001, its recording-enabled party; agent2 starts one of its own.
    const started = await privateService('agent2', { privateMsgId: 3013, thisDn: '7002', connId });
    expect(started.status).toBe(200);
    const reasons = { reason: 'card number' };
    const paused = await privateService('agent2', { privateMsgId: 3015, thisDn: '7002', connId, reasons });
    expect(paused.status).toBe(200);
    const resumed = await privateService('agent2', { privateMsgId: 3016, thisDn: '7002', connId });
    expect(resumed.status).toBe(200);
    const { records } = auditListSchema.parse(await vox.admin('GET', '/api/v2/admin/audit?action=private-service'));
    const ofCall = records.filter((r) => r.details['connId'] === connId);
    expect(ofCall.map((r) => [r.actor, r.details['privateMsgId'], r.details['thisDn']])).toEqual([
      ['agent2', 3016, '7002'],
      ['agent2', 3015, '7002'],
      ['agent2', 3013, '7002'],
    ]);
    expect(ofCall[1]!.details['reasons']).toEqual(reasons);
    await vox.admin('POST', `/api/v2/sim/calls/${connId}/release`, { dn: '7002' });
  });
});
