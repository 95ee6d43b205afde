import type {
  CallEventName,
  CallSnapshot,
  CreateCallRequest,
  PartyRole,
  PartyState,
  RecordingEventName,
  RouteRecord,
  TEvent,
} from '@vox/shared';
import { ivrDnTypes } from '@vox/shared';
import type { CallDetailsStore } from '../../recording/call-details/call-details.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { ResourceManager } from '../resource-manager/resource-manager.ts';
import { formatSip, type SipMessage } from '../sip/sip-message.ts';
import { newCallUuid, newConnId } from './call-ids.ts';
import { CallTrace } from './call-trace.ts';
import type { DnDirectory, DnEntry } from './dn-directory.ts';
import { RecordingDialog } from './recording-dialog.ts';
import { enablementOnJoin, recordingDecision } from './recording-rules.ts';
import { SimError } from './sim-error.ts';

export interface Party {
  dn: string;
  role: PartyRole;
  state: PartyState;
  /** the DN's configuration; undefined for the external party */
  entry: DnEntry | undefined;
  recordEnabled: boolean;
  recordReason: string;
}

export interface RecordingLeg {
  recordingId: string;
  dialog: RecordingDialog;
  state: 'recording' | 'paused';
  /** the DNs told this recording runs (their desktops record the screen meanwhile) */
  audience: Set<string>;
}

interface Consultation {
  kind: 'transfer' | 'conference';
  initiatorDn: string;
  consultConnId: string;
}

export interface Call {
  connId: string;
  callUuid: string;
  ani: string;
  dnis: string;
  /** the external party's number; undefined for a consultation call between two DNs */
  customerDn: string | undefined;
  parties: Party[];
  state: 'ringing' | 'established' | 'released';
  attachedData: Record<string, string>;
  routeRecord: RouteRecord | undefined;
  /** the id the next recording takes (the strategy's or a request's `id`), then generated ones */
  nextRecordingId: string | undefined;
  dest: string | undefined;
  recordingsStarted: number;
  /** media files the call's recordings have written so far: each has its own number */
  mediaFiles: number;
  recording: RecordingLeg | undefined;
  /** why the call is, or is not, being recorded now */
  recordingNote: string;
  consultation: Consultation | undefined;
  consultOf: string | undefined;
  trace: CallTrace;
}

export interface StartRecordingOptions {
  recordingId?: string;
  dest?: string;
}

const sipServer = 'SIP Server';
const resourceManager = 'Resource Manager';
/** Ladders of released calls kept for `GET /sim/calls/{connId}/trace`, oldest dropped first. */
const releasedTracesKept = 1000;

/** A Trunk Group takes many calls at once; every other DN is busy while it is in a call. */
function takesOneCall(entry: DnEntry): boolean {
  return entry.type !== 'TrunkGroup';
}

/**
 * The SIP Server of the simulation: the call model (parties joining and leaving through answer,
 * transfer, conference and release), T-Library events to the parties' DNs, and the recording
 * rules, which it turns into a SIP dialog with the media server through the Resource Manager.
 */
export class SipServer {
  private readonly calls = new Map<string, Call>();
  private readonly released = new Map<string, { trace: CallTrace; parties: string[] }>();

  constructor(
    private readonly directory: DnDirectory,
    private readonly resourceManager: ResourceManager,
    private readonly callDetails: CallDetailsStore,
    private readonly bus: EventBus,
    /** whether a stored recording already has this id */
    private readonly recordingIdStored: (id: string) => Promise<boolean>,
  ) {}

  /** A recording id must be globally unique (GIR): one a live call or a stored recording has is refused. */
  async isRecordingIdTaken(id: string): Promise<boolean> {
    for (const call of this.calls.values()) {
      if (call.nextRecordingId === id || call.recording?.recordingId === id) return true;
    }
    return this.recordingIdStored(id);
  }

  /** TRouteCall: an inbound call from `ani` to `dnis`, routed to `targetDn`. */
  async routeCall(request: CreateCallRequest): Promise<{ connId: string; callUuid: string }> {
    if (request.recordId && (await this.isRecordingIdTaken(request.recordId))) {
      throw new SimError('conflict', `recording id ${request.recordId} is already in use: ids are globally unique`);
    }
    const target = await this.requireIdleDn(request.targetDn);
    const ivr = ivrDnTypes.includes(target.type);
    const call = this.createCall({
      ani: request.ani,
      dnis: request.dnis,
      customerDn: request.ani,
      attachedData: request.attachedData ?? {},
      routeRecord: request.record,
      nextRecordingId: request.recordId,
      dest: request.dest,
      consultOf: undefined,
    });
    call.parties.push(
      { dn: request.ani, role: 'customer', state: 'established', entry: undefined, ...this.joinAs('source', call) },
      {
        dn: target.dn,
        role: ivr ? 'ivr' : 'agent',
        state: 'ringing',
        entry: target,
        ...this.joinAs('destination', call, target),
      },
    );
    for (const party of call.parties) this.noteParty(call, party);
    if (request.record) this.history(call, 'RoutingStrategy', target.dn, `record=${request.record}`);
    this.noteAgent(call, target);
    this.emitCallEvent('EventRinging', call, target.dn, [target.dn]);
    // An IVR port answers as soon as the call arrives.
    if (ivr) this.answer(call.connId, target.dn);
    return { connId: call.connId, callUuid: call.callUuid };
  }

  answer(connId: string, dn: string): CallSnapshot {
    const call = this.requireCall(connId);
    const party = this.requireParty(call, dn);
    if (party.state !== 'ringing') {
      throw new SimError('invalid_call_state', `DN ${dn} is not ringing on call ${connId}`);
    }
    party.state = 'established';
    call.state = 'established';
    this.emitCallEvent('EventEstablished', call, dn, [dn]);
    this.applyRecordingRules(call);
    return this.toSnapshot(call);
  }

  /** The party on `dn` leaves; the call ends when fewer than two parties are left. */
  release(connId: string, dn: string): CallSnapshot {
    const call = this.requireCall(connId);
    this.requireParty(call, dn);
    if (call.consultation?.initiatorDn === dn) {
      this.endCall(this.calls.get(call.consultation.consultConnId), `${dn} released the call it consulted from`);
    }
    this.removeParty(call, dn, `released by ${dn}`);
    if (call.state !== 'released') this.applyRecordingRules(call);
    return this.toSnapshot(call);
  }

  /** Single-step transfer (TSingleStepTransfer): `dn` leaves, `toDn` rings in its place. */
  async transfer(connId: string, dn: string, toDn: string): Promise<CallSnapshot> {
    const call = this.requireCall(connId);
    const from = this.requireConnectedParty(call, dn);
    if (from.role === 'customer') throw new SimError('invalid_call_state', 'the customer cannot transfer');
    const target = await this.requireIdleDn(toDn);
    this.addParty(call, target, 'ringing', dn);
    this.removeParty(call, dn, `transferred by ${dn} to ${toDn}`);
    this.applyRecordingRules(call);
    return this.toSnapshot(call);
  }

  /** Single-step conference: `toDn` rings and joins the call when it answers. */
  async conference(connId: string, dn: string, toDn: string): Promise<CallSnapshot> {
    const call = this.requireCall(connId);
    this.requireConnectedParty(call, dn);
    const target = await this.requireIdleDn(toDn);
    this.addParty(call, target, 'ringing', dn);
    this.applyRecordingRules(call);
    return this.toSnapshot(call);
  }

  /**
   * TInitiateTransfer / TInitiateConference: `dn` holds the call and consults `toDn` on a new
   * call, which follows the recording rules on its own. Returns the consultation call.
   */
  async initiateConsultation(
    connId: string,
    dn: string,
    toDn: string,
    kind: Consultation['kind'],
  ): Promise<CallSnapshot> {
    const call = this.requireCall(connId);
    const initiator = this.requireConnectedParty(call, dn);
    if (initiator.role === 'customer') throw new SimError('invalid_call_state', 'the customer cannot consult');
    if (call.consultation) {
      throw new SimError('invalid_call_state', `call ${connId} already has a consultation in progress`);
    }
    const target = await this.requireIdleDn(toDn);
    const consult = this.createCall({
      ani: dn,
      dnis: toDn,
      customerDn: undefined,
      attachedData: { ...call.attachedData },
      routeRecord: undefined,
      nextRecordingId: undefined,
      dest: undefined,
      consultOf: call.connId,
    });
    consult.parties.push({
      dn,
      role: initiator.role,
      state: 'established',
      entry: initiator.entry,
      ...enablementOnJoin('joined', initiator.entry, undefined),
    });
    for (const party of consult.parties) this.noteParty(consult, party);
    if (initiator.entry) this.noteAgent(consult, initiator.entry);
    initiator.state = 'held';
    call.consultation = { kind, initiatorDn: dn, consultConnId: consult.connId };
    this.history(call, 'EventHeld', dn, `consulting ${toDn} (${kind})`);
    this.addParty(consult, target, 'ringing', dn);
    return this.toSnapshot(consult);
  }

  /**
   * TCompleteTransfer / TCompleteConference: the consulted party joins the original call; for a
   * transfer the initiator leaves it, for a conference it is back in it. The consultation ends.
   */
  completeConsultation(connId: string, dn: string, kind: Consultation['kind']): CallSnapshot {
    const call = this.requireCall(connId);
    const consultation = call.consultation;
    if (!consultation || consultation.initiatorDn !== dn || consultation.kind !== kind) {
      throw new SimError('invalid_call_state', `DN ${dn} has no ${kind} consultation on call ${connId}`);
    }
    const consult = this.requireCall(consultation.consultConnId);
    const consulted = consult.parties.find((p) => p.dn !== dn && p.state === 'established');
    if (!consulted?.entry) {
      throw new SimError('invalid_call_state', `the consulted party has not answered call ${consult.connId} yet`);
    }
    call.consultation = undefined;
    this.endCall(consult, `consultation completed as a ${kind}`);
    this.addParty(call, consulted.entry, 'established', dn);
    const initiator = this.requireParty(call, dn);
    if (kind === 'transfer') this.removeParty(call, dn, `transfer completed by ${dn} to ${consulted.dn}`);
    else {
      initiator.state = 'established';
      this.history(call, 'EventRetrieved', dn, `conference with ${consulted.dn}`);
    }
    this.applyRecordingRules(call);
    return this.toSnapshot(call);
  }

  /** The party on `dn` keys DTMF digits; the media server hears them if the call is recorded. */
  sendDigits(connId: string, dn: string, digits: string): CallSnapshot {
    const call = this.requireCall(connId);
    const party = this.requireConnectedParty(call, dn);
    // The digits may be a card number: the history keeps how many, never which.
    this.history(call, 'DTMF', dn, `${digits.length} digit(s) keyed`);
    call.recording?.dialog.relayDigits(party.role === 'customer' ? 'customer' : 'agent', digits);
    return this.toSnapshot(call);
  }

  // --- Recording control: TPrivateService and the IVR application --------------------------------

  /**
   * Makes `party` recording-enabled (GSIP_RECORD_START, or the IVR application's `start`) and
   * starts the call's recording if none runs. Returns the recording, or why there is none yet.
   */
  enableRecording(
    call: Call,
    party: Party,
    reason: string,
    options: StartRecordingOptions = {},
  ): RecordingLeg | undefined {
    if (call.recording) throw new SimError('conflict', `call ${call.connId} is already being recorded`);
    party.recordEnabled = true;
    party.recordReason = reason;
    if (options.recordingId) call.nextRecordingId = options.recordingId;
    if (options.dest) call.dest = options.dest;
    this.applyRecordingRules(call);
    return call.recording;
  }

  /** GSIP_RECORD_STOP / IVR `stop`: ends the recording; nobody in the call stays recording-enabled. */
  stopRecordingByRequest(call: Call, reason: string): RecordingLeg {
    const leg = this.requireRecording(call);
    for (const party of call.parties) {
      if (!party.recordEnabled) continue;
      party.recordEnabled = false;
      party.recordReason = reason;
    }
    this.stopRecording(call, reason);
    return leg;
  }

  pauseRecording(call: Call, dn: string, reason: string): RecordingLeg {
    const leg = this.requireRecording(call);
    if (leg.state === 'paused') throw new SimError('conflict', `the recording of ${call.connId} is already paused`);
    if (!leg.dialog.send('pause')) throw new SimError('conflict', 'the media server refused to pause');
    leg.state = 'paused';
    this.history(call, 'RecordingPaused', dn, reason);
    this.emitRecordingEvent('RecordingPaused', call, leg, leg.audience);
    return leg;
  }

  resumeRecording(call: Call, dn: string, reason: string): RecordingLeg {
    const leg = this.requireRecording(call);
    if (leg.state !== 'paused') throw new SimError('conflict', `the recording of ${call.connId} is not paused`);
    if (!leg.dialog.send('resume')) throw new SimError('conflict', 'the media server refused to resume');
    leg.state = 'recording';
    this.history(call, 'RecordingResumed', dn, reason);
    this.emitRecordingEvent('RecordingResumed', call, leg, leg.audience);
    return leg;
  }

  /** Calls not released yet, consultation calls included (the operations metrics count them). */
  get liveCalls(): number {
    return this.calls.size;
  }

  /** The live call, for the T-Library and IVR request handlers; `undefined` when there is none. */
  findCall(connId: string): Call | undefined {
    return this.calls.get(connId);
  }

  snapshot(connId: string): CallSnapshot {
    return this.toSnapshot(this.requireCall(connId));
  }

  /** The calls a DN is a party of now: what a reconnecting desktop catches up from. */
  callsOf(dn: string): CallSnapshot[] {
    return [...this.calls.values()].filter((c) => c.parties.some((p) => p.dn === dn)).map((c) => this.toSnapshot(c));
  }

  trace(connId: string) {
    const trace = this.calls.get(connId)?.trace ?? this.released.get(connId)?.trace;
    if (!trace) throw new SimError('not_found', `no call ${connId}`);
    return trace.list();
  }

  /** The DNs that took part in a call, live or released (as long as its trace is kept). */
  partiesOf(connId: string): string[] {
    const call = this.calls.get(connId);
    const parties = call ? call.parties.map((p) => p.dn) : this.released.get(connId)?.parties;
    if (!parties) throw new SimError('not_found', `no call ${connId}`);
    return parties;
  }

  /** Stops every recording, as at shutdown, so no file is left unfinished. */
  stopAll(reason: string): void {
    for (const call of this.calls.values()) {
      this.stopRecording(call, reason);
      this.publishLadder(call);
    }
  }

  // --- The call model --------------------------------------------------------------------------

  /** A new call, known to ICON's call details; the caller adds its parties. */
  private createCall(
    fields: Pick<
      Call,
      'ani' | 'dnis' | 'customerDn' | 'attachedData' | 'routeRecord' | 'nextRecordingId' | 'dest' | 'consultOf'
    >,
  ): Call {
    const call: Call = {
      ...fields,
      connId: newConnId(),
      callUuid: newCallUuid(),
      parties: [],
      state: 'ringing',
      recordingsStarted: 0,
      mediaFiles: 0,
      recording: undefined,
      recordingNote: 'not recorded: the call is not established yet',
      consultation: undefined,
      trace: new CallTrace(),
    };
    this.calls.set(call.connId, call);
    this.callDetails.put({
      connId: call.connId,
      callUuid: call.callUuid,
      ani: call.ani,
      dnis: call.dnis,
      agentId: undefined,
      agentDn: undefined,
      group: undefined,
      groups: [],
      agentIds: [],
      parties: [],
      attachedData: call.attachedData,
      eventHistory: [],
    });
    return call;
  }

  private joinAs(side: 'source' | 'destination', call: Call, entry?: DnEntry) {
    return enablementOnJoin(side, entry, call.routeRecord);
  }

  private addParty(call: Call, entry: DnEntry, state: PartyState, byDn: string): void {
    const party: Party = {
      dn: entry.dn,
      role: ivrDnTypes.includes(entry.type) ? 'ivr' : 'agent',
      state,
      entry,
      ...enablementOnJoin('joined', entry, undefined),
    };
    call.parties.push(party);
    this.noteParty(call, party);
    this.noteAgent(call, entry);
    this.emitCallEvent('EventPartyAdded', call, entry.dn, this.otherDns(call, entry.dn), byDn);
    this.emitCallEvent(state === 'ringing' ? 'EventRinging' : 'EventEstablished', call, entry.dn, [entry.dn]);
    if (state === 'ringing' && party.role === 'ivr') {
      party.state = 'established';
      this.emitCallEvent('EventEstablished', call, entry.dn, [entry.dn]);
    }
  }

  private removeParty(call: Call, dn: string, reason: string): void {
    const party = this.requireParty(call, dn);
    if (call.parties.length <= 2) {
      // The last two parties: the call itself ends, for both.
      this.endCall(call, reason);
      return;
    }
    party.state = 'released';
    call.parties = call.parties.filter((p) => p !== party);
    this.emitCallEvent('EventReleased', call, dn, [dn], undefined, reason);
    this.emitCallEvent('EventPartyDeleted', call, dn, this.otherDns(call, dn));
  }

  private endCall(call: Call | undefined, reason: string): void {
    if (!call || call.state === 'released') return;
    this.stopRecording(call, reason);
    call.state = 'released';
    const remaining = call.parties.map((p) => p.dn);
    for (const party of call.parties) party.state = 'released';
    this.emitCallEvent('EventReleased', call, remaining[0] ?? '', remaining, undefined, reason);
    call.parties = [];
    this.calls.delete(call.connId);
    if (call.consultOf) {
      const original = this.calls.get(call.consultOf);
      if (original?.consultation?.consultConnId === call.connId) {
        // The consultation failed or was abandoned: the initiator is back on the original call.
        const initiator = original.parties.find((p) => p.dn === original.consultation?.initiatorDn);
        original.consultation = undefined;
        if (initiator?.state === 'held') {
          initiator.state = 'established';
          this.history(original, 'EventRetrieved', initiator.dn, reason);
        }
      }
    }
    this.publishLadder(call);
    this.callDetails.ended(call.connId);
    this.released.set(call.connId, { trace: call.trace, parties: call.parties.map((p) => p.dn) });
    if (this.released.size > releasedTracesKept) {
      const oldest = this.released.keys().next().value;
      if (oldest !== undefined) this.released.delete(oldest);
    }
  }

  /** A recorded call's ladder is kept with its recording; an unrecorded call's is not worth storing. */
  private publishLadder(call: Call): void {
    if (call.recordingsStarted > 0) this.bus.emit('callLadderComplete', call.connId, call.callUuid, call.trace.list());
  }

  // --- Recording -------------------------------------------------------------------------------

  /** Applies GIR's rules after every change of parties or states: start, continue or stop. */
  private applyRecordingRules(call: Call): void {
    const decision = recordingDecision(call.parties, call.state === 'established', call.recording !== undefined);
    if (decision === 'start') {
      const by = call.parties.find(
        (p) => p.recordEnabled && (p.state === 'established' || p.state === 'held'),
      ) as Party;
      this.startRecording(call, by);
    } else if (decision === 'stop') {
      this.stopRecording(call, 'no recording-enabled party is left in the call');
    } else if (decision === 'idle') {
      const why = call.parties.map((p) => `${p.dn}: ${p.recordReason}`).join('; ');
      call.recordingNote =
        call.state === 'established'
          ? `not recorded: no recording-enabled party (${why})`
          : 'not recorded: the call is not established yet';
    }
    this.syncRecordingAudience(call);
  }

  private startRecording(call: Call, by: Party): void {
    call.recordingsStarted++;
    const recordingId =
      call.nextRecordingId ??
      (call.recordingsStarted === 1 ? call.callUuid : `${call.callUuid}-${call.recordingsStarted}`);
    call.nextRecordingId = undefined;
    const details = this.callDetails.get(call.connId);
    const opened = RecordingDialog.open(
      {
        connId: call.connId,
        callUuid: call.callUuid,
        ani: call.ani,
        dnis: call.dnis,
        recordDn: by.dn,
        agentId: by.entry?.agentId ?? details?.agentId,
        recordingId,
        dest: call.dest,
        mediaSequence: call.mediaFiles + 1,
      },
      (request) => this.send(call, request),
    );
    if (!(opened instanceof RecordingDialog)) {
      call.recordingNote = `not recorded: ${opened.refused}`;
      this.history(call, 'RecordingFailed', by.dn, opened.refused);
      return;
    }
    call.recording = { recordingId, dialog: opened, state: 'recording', audience: new Set() };
    call.recordingNote = `recorded for ${by.dn}: ${by.recordReason}`;
    this.history(call, 'RecordingStarted', by.dn, by.recordReason);
  }

  private stopRecording(call: Call, reason: string): void {
    const leg = call.recording;
    if (!leg) return;
    // A failover may have made further files: the next recording numbers on from the last.
    call.mediaFiles = this.resourceManager.mediaSequenceOf(leg.dialog.sipCallId) ?? call.mediaFiles + 1;
    leg.dialog.close();
    call.recording = undefined;
    call.recordingNote = `recording stopped: ${reason}`;
    this.history(call, 'RecordingStopped', leg.dialog.parameters.recordDn, reason);
    this.emitRecordingEvent('RecordingStopped', call, leg, leg.audience);
    leg.audience.clear();
  }

  /**
   * Tells each connected DN of the call whether the recording runs for it: one that joins a
   * recorded call gets RecordingStarted (its desktop records the screen), one that leaves while
   * the recording goes on gets RecordingStopped.
   */
  private syncRecordingAudience(call: Call): void {
    const leg = call.recording;
    if (!leg) return;
    const connected = new Set(
      call.parties
        .filter((p) => p.role !== 'customer' && (p.state === 'established' || p.state === 'held'))
        .map((p) => p.dn),
    );
    const joined = [...connected].filter((dn) => !leg.audience.has(dn));
    const left = [...leg.audience].filter((dn) => !connected.has(dn));
    for (const dn of left) leg.audience.delete(dn);
    for (const dn of joined) leg.audience.add(dn);
    this.emitRecordingEvent('RecordingStopped', call, leg, left);
    this.emitRecordingEvent('RecordingStarted', call, leg, joined);
    if (leg.state === 'paused') this.emitRecordingEvent('RecordingPaused', call, leg, joined);
  }

  private requireRecording(call: Call): RecordingLeg {
    if (!call.recording) throw new SimError('conflict', `call ${call.connId} is not being recorded`);
    return call.recording;
  }

  /** Sends a request to the Resource Manager and returns its final response, tracing each hop. */
  private send(call: Call, request: SipMessage): string {
    const text = formatSip(request);
    call.trace.add(sipServer, resourceManager, text);
    const response = this.resourceManager.proxy(text, (from, to, hop) => call.trace.add(from, to, hop));
    if (response) call.trace.add(resourceManager, sipServer, response);
    return response;
  }

  // --- Lookups ---------------------------------------------------------------------------------

  private async requireIdleDn(dn: string): Promise<DnEntry> {
    const entry = await this.directory.lookup(dn);
    if (!entry) throw new SimError('unknown_dn', `DN ${dn} is not configured on this SIP Server`);
    if (takesOneCall(entry) && this.activeCallOf(dn)) {
      throw new SimError('conflict', `DN ${dn} is busy with another call`);
    }
    return entry;
  }

  private requireCall(connId: string): Call {
    const call = this.calls.get(connId);
    if (!call) throw new SimError('not_found', `no active call with ConnectionID ${connId}`);
    return call;
  }

  private requireParty(call: Call, dn: string): Party {
    const party = call.parties.find((p) => p.dn === dn);
    if (!party) throw new SimError('unknown_dn', `DN ${dn} is not a party of call ${call.connId}`);
    return party;
  }

  private requireConnectedParty(call: Call, dn: string): Party {
    const party = this.requireParty(call, dn);
    if (party.state !== 'established') {
      throw new SimError('invalid_call_state', `DN ${dn} is ${party.state} on call ${call.connId}`);
    }
    return party;
  }

  private activeCallOf(dn: string): Call | undefined {
    return [...this.calls.values()].find((c) => c.parties.some((p) => p.dn === dn && p.state !== 'released'));
  }

  private otherDns(call: Call, dn: string): string[] {
    return call.parties.filter((p) => p.dn !== dn && p.role !== 'customer').map((p) => p.dn);
  }

  // --- Call details and events -----------------------------------------------------------------

  /** ICON's list of everyone who took part in the call. */
  private noteParty(call: Call, party: Party): void {
    const parties = this.callDetails.get(call.connId)?.parties;
    if (parties && !parties.some((p) => p.dn === party.dn)) {
      parties.push({ dn: party.dn, role: party.role });
      this.callDetails.touch(call.connId);
    }
  }

  /** ICON's view of the call: the first agent, and every group that took part. */
  private noteAgent(call: Call, entry: DnEntry): void {
    const details = this.callDetails.get(call.connId);
    if (!details || !entry.agentId) return;
    if (!details.agentId) {
      details.agentId = entry.agentId;
      details.agentDn = entry.dn;
      details.group = entry.group;
    }
    if (entry.group && !details.groups.includes(entry.group)) details.groups.push(entry.group);
    if (!details.agentIds.includes(entry.agentId)) details.agentIds.push(entry.agentId);
    this.callDetails.touch(call.connId);
  }

  private history(call: Call, event: string, dn: string, detail?: string): void {
    this.callDetails.addEvent(call.connId, { at: new Date().toISOString(), event, dn, ...(detail ? { detail } : {}) });
  }

  /** A T-Library event about `subjectDn`, delivered to each of `recipients` (their own DNs). */
  private emitCallEvent(
    name: CallEventName,
    call: Call,
    subjectDn: string,
    recipients: readonly string[],
    thirdPartyDn?: string,
    detail?: string,
  ): void {
    this.history(call, name, subjectDn, detail);
    const at = new Date().toISOString();
    const parties = call.parties.map((p) => this.toParty(p));
    for (const dn of recipients) {
      // The customer is outside the contact centre: nobody's socket listens for its DN.
      if (!dn || dn === call.customerDn) continue;
      const event: TEvent = {
        connId: call.connId,
        callUuid: call.callUuid,
        dn,
        ...(dn !== subjectDn ? { otherDn: subjectDn } : {}),
        ...(thirdPartyDn ? { thirdPartyDn } : {}),
        ani: call.ani,
        dnis: call.dnis,
        parties,
        attachedData: call.attachedData,
        at,
      };
      this.bus.emit('callEvent', name, event);
    }
  }

  private emitRecordingEvent(
    name: RecordingEventName,
    call: Call,
    leg: RecordingLeg,
    recipients: Iterable<string>,
  ): void {
    const at = new Date().toISOString();
    for (const dn of recipients) {
      const entry = call.parties.find((p) => p.dn === dn)?.entry;
      this.bus.emit(
        'recordingEvent',
        name,
        { connId: call.connId, callUuid: call.callUuid, recordingId: leg.recordingId, dn, at },
        entry?.group,
      );
    }
  }

  private toParty(party: Party) {
    return {
      dn: party.dn,
      role: party.role,
      state: party.state,
      recordEnabled: party.recordEnabled,
      recordReason: party.recordReason,
    };
  }

  private toSnapshot(call: Call): CallSnapshot {
    return {
      connId: call.connId,
      callUuid: call.callUuid,
      ani: call.ani,
      dnis: call.dnis,
      state: call.state,
      parties: call.parties.map((p) => this.toParty(p)),
      recording: call.recording
        ? {
            state: call.recording.state,
            recordingId: call.recording.recordingId,
            mcp: this.resourceManager.mcpOf(call.recording.dialog.sipCallId),
            note: call.recordingNote,
          }
        : { state: 'idle', note: call.recordingNote },
      attachedData: call.attachedData,
      ...(call.consultOf ? { consultOf: call.consultOf } : {}),
    };
  }
}
