import { callActionSchema, type CallAction, type CallSnapshot } from '@vox/shared';
import { describe, expect, it } from 'vitest';
import { performCallAction } from './call-actions.ts';
import { SimError } from './sim-error.ts';
import type { SipServer } from './sip-server.ts';

/** A SIP Server that only notes which request it was asked for, and with what. */
function recordingSipServer(asked: unknown[][]): SipServer {
  const note =
    (name: string) =>
    (...args: unknown[]): CallSnapshot => {
      asked.push([name, ...args]);
      return { connId: `after-${name}` } as CallSnapshot;
    };
  return {
    answer: note('answer'),
    release: note('release'),
    transfer: note('transfer'),
    conference: note('conference'),
    initiateConsultation: note('initiateConsultation'),
    completeConsultation: note('completeConsultation'),
  } as unknown as SipServer;
}

const expected: Record<CallAction, unknown[]> = {
  answer: ['answer', 'c1', '7001'],
  release: ['release', 'c1', '7001'],
  transfer: ['transfer', 'c1', '7001', '7002'],
  conference: ['conference', 'c1', '7001', '7002'],
  'initiate-transfer': ['initiateConsultation', 'c1', '7001', '7002', 'transfer'],
  'initiate-conference': ['initiateConsultation', 'c1', '7001', '7002', 'conference'],
  'complete-transfer': ['completeConsultation', 'c1', '7001', 'transfer'],
  'complete-conference': ['completeConsultation', 'c1', '7001', 'conference'],
};

describe('performCallAction', () => {
  it.each(callActionSchema.options)('carries out %s as the SIP Server request of that name', async (action) => {
    const asked: unknown[][] = [];
    const call = await performCallAction(recordingSipServer(asked), 'c1', action, { dn: '7001', toDn: '7002' });
    expect(asked).toEqual([expected[action]]);
    expect(call.connId).toBe(`after-${expected[action][0] as string}`);
  });

  it.each(['transfer', 'conference', 'initiate-transfer', 'initiate-conference'] as const)(
    'refuses %s without a toDn, asking the SIP Server nothing',
    async (action) => {
      const asked: unknown[][] = [];
      const refusal = performCallAction(recordingSipServer(asked), 'c1', action, { dn: '7001' });
      await expect(refusal).rejects.toThrow(SimError);
      await expect(refusal).rejects.toMatchObject({ code: 'bad_request' });
      expect(asked).toEqual([]);
    },
  );
});
