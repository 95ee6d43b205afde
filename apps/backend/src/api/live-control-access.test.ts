import { eventErrorSchema, scenarioRunSchema } from '@vox/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

/** Who may control a live call's recording: tried as an attacker with an agent's login would. */
let vox: VoxTestBackend;

beforeAll(async () => {
  vox = await VoxTestBackend.start({ VOX_SCENARIO_WAIT_S: '1' });
});

afterAll(async () => {
  await vox?.stop();
});

async function recordedCallOn(dn: string, ani: string): Promise<string> {
  return (await vox.answeredCall(ani, dn)).connId;
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
    const snapshot = await (await vox.client('admin')).call('getCall', { params: { connId } });
    expect(snapshot).toMatchObject({ recording: { state: 'recording' } });
    await vox.callAction(connId, 'release', { dn: '7003' });
  });

  it('is refused to a party that has left the call, and accepted and audited for one on it', async () => {
    const connId = await recordedCallOn('7001', '5550302');
    await vox.callAction(connId, 'transfer', { dn: '7001', toDn: '7002' });
    await vox.callAction(connId, 'answer', { dn: '7002' });
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
    const admin = await vox.client('admin');
    const { records } = await admin.call('listAudit', { query: { action: 'private-service' } });
    const ofCall = records.filter((r) => r.details['connId'] === connId);
    expect(ofCall.map((r) => [r.actor, r.details['privateMsgId'], r.details['thisDn']])).toEqual([
      ['agent2', 3016, '7002'],
      ['agent2', 3015, '7002'],
      ['agent2', 3013, '7002'],
    ]);
    expect(ofCall[1]!.details['reasons']).toEqual(reasons);
    await vox.callAction(connId, 'release', { dn: '7002' });
  });
});

describe('a supervisor of another group', () => {
  it('can neither register, route to, answer for, list, read nor record a sales agent', async () => {
    const connId = await recordedCallOn('7001', '5550303');
    const token = await vox.token('supervisor2');
    const as = (method: string, route: string, body?: unknown) => vox.call(method, route, body, token);
    expect((await as('POST', '/api/v2/sim/register', { dn: '7001' })).status).toBe(403);
    expect((await as('POST', '/api/v2/sim/calls', { ani: '5550304', dnis: '800', targetDn: '7002' })).status).toBe(403);
    expect((await as('POST', `/api/v2/sim/calls/${connId}/release`, { dn: '7001' })).status).toBe(403);
    expect((await as('GET', '/api/v2/sim/calls?dn=7001')).status).toBe(403);
    expect((await as('GET', `/api/v2/sim/calls/${connId}`)).status).toBe(404);
    expect((await as('GET', `/api/v2/sim/calls/${connId}/trace`)).status).toBe(404);
    const paused = await privateService('supervisor2', { privateMsgId: 3015, thisDn: '7001', connId });
    expect(eventErrorSchema.parse(paused.body).errorCode).toBe(1603);
    // Its own group's agents it may still drive and watch.
    expect((await as('POST', '/api/v2/sim/register', { dn: '7003' })).status).toBe(200);
    expect((await as('GET', '/api/v2/sim/calls?dn=7003')).status).toBe(200);
    // And supervisor1 watches its agent's call.
    expect(
      (await vox.call('GET', `/api/v2/sim/calls/${connId}`, undefined, await vox.token('supervisor1'))).status,
    ).toBe(200);
    await vox.callAction(connId, 'release', { dn: '7001' });
  });
});

describe('scenario runs', () => {
  const scenario = (dn: string, delayMs = 0) => ({
    name: 'probe',
    steps: [
      { action: 'route', ani: '5550310', dnis: '800', targetDn: dn, delayMs },
      { action: 'release', dn, delayMs: 0 },
    ],
  });

  it('act only within the poster’s group, and are visible to their owner and admins only', async () => {
    const supervisor2 = await vox.token('supervisor2');
    expect((await vox.call('POST', '/api/v2/sim/scenarios', scenario('7001'), supervisor2)).status).toBe(403);
    const started = await vox.call('POST', '/api/v2/sim/scenarios', scenario('7003'), supervisor2);
    expect(started.status).toBe(202);
    const run = scenarioRunSchema.parse(started.body);
    const route = `/api/v2/sim/scenarios/${run.id}`;
    expect((await vox.call('GET', route, undefined, await vox.token('supervisor1'))).status).toBe(404);
    expect((await vox.call('GET', route, undefined, supervisor2)).status).toBe(200);
    expect((await vox.call('GET', route, undefined, await vox.token('admin'))).status).toBe(200);
  });

  it('are bounded: total delay, runs at once per user, and ?wait=1 answers 202 once its wait is up', async () => {
    const supervisor1 = await vox.token('supervisor1');
    const tooLong = await vox.call('POST', '/api/v2/sim/scenarios', scenario('7002', 3_600_000), supervisor1);
    expect(tooLong.status).toBe(400);
    const started = Date.now();
    const waited = await vox.call('POST', '/api/v2/sim/scenarios?wait=1', scenario('7002', 20_000), supervisor1);
    expect(waited.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(5_000);
    await vox.call('POST', '/api/v2/sim/scenarios', scenario('7002', 20_000), supervisor1);
    await vox.call('POST', '/api/v2/sim/scenarios', scenario('7002', 20_000), supervisor1);
    expect((await vox.call('POST', '/api/v2/sim/scenarios', scenario('7002', 20_000), supervisor1)).status).toBe(409);
  });
});

describe('an agent on its call', () => {
  it('transfers it to any DN, as the desktop does', async () => {
    const connId = await recordedCallOn('7001', '5550320');
    const transferred = await vox.call(
      'POST',
      `/api/v2/sim/calls/${connId}/transfer`,
      { dn: '7001', toDn: '7003' },
      await vox.token('agent1'),
    );
    expect(transferred.status).toBe(200);
    await vox.callAction(connId, 'release', { dn: '7003' });
  });
});
