import type { CallEvent } from '@vox/shared';

/** What the SIP Server side records about a call (GIR: ICON), read by the Recording Processor. */
export interface CallDetails {
  connId: string;
  callUuid: string;
  ani: string;
  dnis: string;
  /** the first agent that took the call */
  agentId: string | undefined;
  agentDn: string | undefined;
  group: string | undefined;
  /** every agent group that took part */
  groups: string[];
  /** every agent that took part */
  agentIds: string[];
  /** everyone who took part, in the order they joined */
  parties: Array<{ dn: string; role: 'customer' | 'agent' | 'ivr' }>;
  attachedData: Record<string, string>;
  eventHistory: CallEvent[];
}

export class CallDetailsStore {
  private readonly calls = new Map<string, CallDetails>();

  put(details: CallDetails): void {
    this.calls.set(details.connId, details);
  }

  get(connId: string): CallDetails | undefined {
    return this.calls.get(connId);
  }

  addEvent(connId: string, event: CallEvent): void {
    this.calls.get(connId)?.eventHistory.push(event);
  }
}
