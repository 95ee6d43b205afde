import type { PartyRole, PartyState, RouteRecord } from '@vox/shared';
import type { DnEntry } from './dn-directory.ts';

/** Whether a party keeps the call's recording going, and why, in words a user reads in the trace. */
export interface RecordingEnablement {
  recordEnabled: boolean;
  recordReason: string;
}

/**
 * The routing strategy's `record` key and the DN's static configuration decide, when a party
 * joins, whether it is recording-enabled (GIR "Recording Triggers"):
 * - `source` enables the calling party, `destination` the party the call was routed to;
 * - `disable_source` / `disable_destination` switch that party off, static configuration included;
 * - otherwise a DN with `record=true` is enabled; an external party (the customer) has no DN config.
 */
export function enablementOnJoin(
  side: 'source' | 'destination' | 'joined',
  entry: DnEntry | undefined,
  routeRecord: RouteRecord | undefined,
): RecordingEnablement {
  if (side === 'source' && routeRecord === 'source') {
    return { recordEnabled: true, recordReason: 'routing strategy record=source' };
  }
  if (side === 'source' && routeRecord === 'disable_source') {
    return { recordEnabled: false, recordReason: 'routing strategy record=disable_source' };
  }
  if (side === 'destination' && routeRecord === 'destination') {
    return { recordEnabled: true, recordReason: 'routing strategy record=destination' };
  }
  if (side === 'destination' && routeRecord === 'disable_destination') {
    return { recordEnabled: false, recordReason: 'routing strategy record=disable_destination' };
  }
  if (entry?.record) return { recordEnabled: true, recordReason: `DN ${entry.dn} configured record=true` };
  if (entry) return { recordEnabled: false, recordReason: `DN ${entry.dn} not configured for recording` };
  return { recordEnabled: false, recordReason: 'external party without recording configuration' };
}

export interface RuleParty {
  dn: string;
  role: PartyRole;
  state: PartyState;
  recordEnabled: boolean;
}

/**
 * GIR "Recording During Transfers and Conferences": a recording starts once the call is
 * established with a recording-enabled party connected, and continues for as long as one
 * recording-enabled party remains in the call (a party ringing after a transfer, or on hold
 * while its DN consults, is still in it); it ends when none is left.
 */
export function recordingDecision(
  parties: readonly RuleParty[],
  callEstablished: boolean,
  recording: boolean,
): 'start' | 'continue' | 'stop' | 'idle' {
  const inCall = parties.filter((p) => p.recordEnabled && p.state !== 'released');
  if (recording) return inCall.length > 0 && callEstablished ? 'continue' : 'stop';
  const connected = inCall.filter((p) => p.state === 'established' || p.state === 'held');
  return callEstablished && connected.length > 0 ? 'start' : 'idle';
}
