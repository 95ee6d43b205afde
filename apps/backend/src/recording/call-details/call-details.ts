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

/**
 * The calls' details while they matter: a live call's, and an ended call's until its recordings
 * are stored (the Recording Processor merges them then, seconds later, or hours later when
 * storage was down). Forgotten after that: a contact centre's backend handles thousands of calls
 * a day, and keeping all of them would grow its memory without end.
 */
export class CallDetailsStore {
  private readonly calls = new Map<string, CallDetails>();
  /** when each ended call ended (epoch ms) */
  private readonly endedAt = new Map<string, number>();

  put(details: CallDetails): void {
    this.calls.set(details.connId, details);
    this.endedAt.delete(details.connId);
  }

  get(connId: string): CallDetails | undefined {
    return this.calls.get(connId);
  }

  addEvent(connId: string, event: CallEvent): void {
    this.calls.get(connId)?.eventHistory.push(event);
  }

  /** The call ended: its details stay until `forgetEnded` finds nothing waiting on them. */
  ended(connId: string, at = Date.now()): void {
    if (this.calls.has(connId)) this.endedAt.set(connId, at);
  }

  /** Calls whose details are kept (live, or ended and not forgotten yet). */
  get size(): number {
    return this.calls.size;
  }

  /**
   * Forgets the calls that ended more than `afterMs` ago, except those `stillNeeded` names (a
   * recording of theirs not stored yet). Returns how many it forgot.
   */
  forgetEnded(afterMs: number, stillNeeded: ReadonlySet<string>, now = Date.now()): number {
    let forgotten = 0;
    for (const [connId, at] of this.endedAt) {
      if (now - at < afterMs || stillNeeded.has(connId)) continue;
      this.endedAt.delete(connId);
      this.calls.delete(connId);
      forgotten++;
    }
    return forgotten;
  }
}
