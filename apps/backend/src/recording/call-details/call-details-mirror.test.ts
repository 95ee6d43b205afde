import { describe, expect, it } from 'vitest';
import { callDetailsOf } from '../../test-support/call-details-fixture.ts';
import { embeddedTestDatabase } from '../../test-support/test-database.ts';
import { silentLogger } from '../../test-support/test-logger.ts';
import { CallDetailsMirror } from './call-details-mirror.ts';
import { CallDetailsStore, type CallDetails } from './call-details.ts';

const database = embeddedTestDatabase('vox-call-details-');

function details(connId: string): CallDetails {
  return callDetailsOf(connId, { ani: '5550100', parties: [{ dn: '5550100', role: 'customer' }] });
}

describe("a call's details on two backends", () => {
  it('are read by the backend that does not handle the call as the other last changed them', async () => {
    const handling = new CallDetailsMirror(database().pool, silentLogger);
    const other = new CallDetailsMirror(database().pool, silentLogger);
    const onA = new CallDetailsStore(handling);
    const onB = new CallDetailsStore(other);
    const call = details('0000A1');
    onA.put(call);
    // What the SIP Server does as the agent answers: changed in place, then an event.
    call.parties.push({ dn: '7001', role: 'agent' });
    Object.assign(call, { agentId: 'agent1', agentDn: '7001', group: 'sales' });
    call.groups.push('sales');
    onA.touch(call.connId);
    onA.addEvent(call.connId, { at: new Date().toISOString(), event: 'EventEstablished', dn: '7001' });
    await handling.idle();

    expect(onB.get(call.connId)).toBeUndefined();
    expect(await onB.lookup(call.connId)).toEqual(call);

    // Forgotten by the backend that handled it: gone for the other one too.
    onA.ended(call.connId, 0);
    expect(onA.forgetEnded(60_000, new Set(), 120_000)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await onB.lookup(call.connId)).toBeUndefined();
    await handling.stop();
    await other.stop();
  });

  it('keep the newest state of every call through a burst of changes', async () => {
    const mirror = new CallDetailsMirror(database().pool, silentLogger);
    const store = new CallDetailsStore(mirror);
    for (let i = 0; i < 50; i++) store.put(details(`00B${String(i).padStart(3, '0')}`));
    for (let i = 0; i < 50; i++) {
      store.addEvent(`00B${String(i).padStart(3, '0')}`, {
        at: new Date().toISOString(),
        event: 'EventRinging',
        dn: '7001',
      });
    }
    await mirror.idle();
    const rows = await database().pool.query<{ events: number }>(
      "SELECT jsonb_array_length(details->'eventHistory') AS events FROM call_details WHERE conn_id LIKE '00B%'",
    );
    expect(rows.rows).toHaveLength(50);
    expect(rows.rows.every((row) => row.events === 1)).toBe(true);
    await mirror.stop();
  });
});
