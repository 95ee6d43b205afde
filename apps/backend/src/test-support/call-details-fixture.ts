import type { CallDetails } from '../recording/call-details/call-details.ts';

/** A call's details as the SIP Server puts them when the call is created, with the fields a test sets. */
export function callDetailsOf(connId: string, fields: Partial<CallDetails> = {}): CallDetails {
  return {
    connId,
    callUuid: `uuid-${connId}`,
    ani: '5551234',
    dnis: '8005550100',
    agentId: undefined,
    agentDn: undefined,
    group: undefined,
    groups: [],
    agentIds: [],
    parties: [],
    attachedData: {},
    eventHistory: [],
    ...fields,
  };
}
