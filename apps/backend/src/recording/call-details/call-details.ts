import type { CallEvent } from '@vox/shared';
import type { CallDetailsMirror } from './call-details-mirror.ts';

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
 * a day, and keeping all of them would grow its memory without end. With a mirror, each change is
 * also written to the database, where other backends `lookup()` the calls they do not handle.
 */
export class CallDetailsStore {
  private readonly calls = new Map<string, CallDetails>();
  /** when each ended call ended (epoch ms) */
  private readonly endedAt = new Map<string, number>();

  constructor(private readonly mirror?: CallDetailsMirror) {}

  put(details: CallDetails): void {
    this.calls.set(details.connId, details);
    this.endedAt.delete(details.connId);
    this.mirror?.changed(details);
  }

  /** This backend's details of the call. */
  get(connId: string): CallDetails | undefined {
    return this.calls.get(connId);
  }

  /** This backend's details of the call, or those the backend handling it wrote to the database. */
  async lookup(connId: string): Promise<CallDetails | undefined> {
    return this.calls.get(connId) ?? (await this.mirror?.load(connId));
  }

  addEvent(connId: string, event: CallEvent): void {
    const details = this.calls.get(connId);
    if (!details) return;
    details.eventHistory.push(event);
    this.mirror?.changed(details);
  }

  /** The call's details were changed in place (a party, an agent, attached data): the mirror follows. */
  touch(connId: string): void {
    const details = this.calls.get(connId);
    if (details) this.mirror?.changed(details);
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
    const gone: string[] = [];
    for (const [connId, at] of this.endedAt) {
      if (now - at < afterMs || stillNeeded.has(connId)) continue;
      this.endedAt.delete(connId);
      this.calls.delete(connId);
      gone.push(connId);
    }
    // A row left behind is forgotten with the next sweep's, or after a week.
    if (gone.length > 0) this.mirror?.forget(gone).catch(() => {});
    return gone.length;
  }
}
