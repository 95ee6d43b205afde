import type {
  CallEventName,
  CallParty,
  CallSnapshot,
  CreateCallRequest,
  RecordingEventName,
  RouteRecord,
  TEvent,
} from '@vox/shared';
import type { CallDetailsStore } from '../call-details/call-details.ts';
import type { EventBus } from '../events/event-bus.ts';
import { msmlDialogEnd, msmlRecordStart } from '../mcp/msml.ts';
import type { ResourceManager } from '../resource-manager/resource-manager.ts';
import { formatSip, parseSip, parseSipUri, sipBranch, sipHeader, sipTag, type SipMessage } from '../sip/sip-message.ts';
import { sipHosts } from '../sip/sip-hosts.ts';
import { newCallUuid, newConnId } from './call-ids.ts';
import { CallTrace } from './call-trace.ts';
import type { DnDirectory, DnEntry } from './dn-directory.ts';
import { SimError } from './sim-error.ts';

interface RecordingLeg {
  recordingId: string;
  recordDn: string;
  sipCallId: string;
  fromTag: string;
  toHeader: string;
  mcpContact: string;
  dialogId: string;
  cseq: number;
  state: 'recording' | 'paused';
}

interface Call {
  connId: string;
  callUuid: string;
  ani: string;
  dnis: string;
  agent: DnEntry;
  parties: CallParty[];
  state: 'ringing' | 'established' | 'released';
  attachedData: Record<string, string>;
  routeRecord: RouteRecord | undefined;
  recordId: string | undefined;
  recording: RecordingLeg | undefined;
  trace: CallTrace;
}

const sipServer = 'SIP Server';
/** Ladders of released calls kept for `GET /sim/calls/{connId}/trace`, oldest dropped first. */
const releasedTracesKept = 1000;
const resourceManager = 'Resource Manager';

/**
 * The SIP Server of the simulation: the call model, T-Library events to the parties' DNs, and the
 * recording triggers, which it turns into an INVITE to the Resource Manager and MSML in INFO.
 */
export class SipServer {
  private readonly calls = new Map<string, Call>();
  private readonly released = new Map<string, CallTrace>();

  constructor(
    private readonly directory: DnDirectory,
    private readonly resourceManager: ResourceManager,
    private readonly callDetails: CallDetailsStore,
    private readonly bus: EventBus,
  ) {}

  /** TRouteCall: an inbound call from `ani` to `dnis`, routed to `targetDn`. */
  async routeCall(request: CreateCallRequest): Promise<{ connId: string; callUuid: string }> {
    const agent = await this.directory.lookup(request.targetDn);
    if (!agent) throw new SimError('unknown_dn', 404, `DN ${request.targetDn} is not configured on this SIP Server`);
    if (this.activeCallOf(request.targetDn)) {
      throw new SimError('conflict', 409, `DN ${request.targetDn} is busy with another call`);
    }
    const call: Call = {
      connId: newConnId(),
      callUuid: newCallUuid(),
      ani: request.ani,
      dnis: request.dnis,
      agent,
      parties: [
        { dn: request.ani, role: 'customer', state: 'established' },
        { dn: request.targetDn, role: 'agent', state: 'ringing' },
      ],
      state: 'ringing',
      attachedData: request.attachedData ?? {},
      routeRecord: request.record,
      recordId: request.recordId,
      recording: undefined,
      trace: new CallTrace(),
    };
    this.calls.set(call.connId, call);
    this.callDetails.put({
      connId: call.connId,
      callUuid: call.callUuid,
      ani: call.ani,
      dnis: call.dnis,
      agentId: agent.agentId,
      agentDn: agent.dn,
      group: agent.group,
      attachedData: call.attachedData,
      eventHistory: [],
    });
    this.emitCallEvent('EventRinging', call, request.targetDn);
    return { connId: call.connId, callUuid: call.callUuid };
  }

  answer(connId: string, dn: string): void {
    const call = this.requireCall(connId);
    const party = call.parties.find((p) => p.dn === dn && p.role === 'agent');
    if (!party) throw new SimError('unknown_dn', 404, `DN ${dn} is not a party of call ${connId}`);
    if (party.state !== 'ringing')
      throw new SimError('invalid_call_state', 409, `DN ${dn} is not ringing on call ${connId}`);
    party.state = 'established';
    call.state = 'established';
    this.emitCallEvent('EventEstablished', call, dn);
    if (call.routeRecord === 'source' || call.routeRecord === 'destination') {
      this.startRecording(call, dn, `routing strategy record=${call.routeRecord}`);
    }
  }

  release(connId: string, dn: string): void {
    const call = this.requireCall(connId);
    if (!call.parties.some((p) => p.dn === dn)) {
      throw new SimError('unknown_dn', 404, `DN ${dn} is not a party of call ${connId}`);
    }
    this.stopRecording(call, `released by ${dn}`);
    call.state = 'released';
    for (const party of call.parties) party.state = 'released';
    this.calls.delete(connId);
    this.released.set(connId, call.trace);
    if (this.released.size > releasedTracesKept) {
      const oldest = this.released.keys().next().value;
      if (oldest !== undefined) this.released.delete(oldest);
    }
    this.emitCallEvent('EventReleased', call, dn);
  }

  snapshot(connId: string): CallSnapshot {
    return this.toSnapshot(this.requireCall(connId));
  }

  /** The calls a DN is a party of now: what a reconnecting desktop catches up from. */
  callsOf(dn: string): CallSnapshot[] {
    return [...this.calls.values()].filter((c) => c.parties.some((p) => p.dn === dn)).map((c) => this.toSnapshot(c));
  }

  trace(connId: string) {
    const trace = this.calls.get(connId)?.trace ?? this.released.get(connId);
    if (!trace) throw new SimError('not_found', 404, `no call ${connId}`);
    return trace.list();
  }

  /** Stops every recording, as at shutdown, so no file is left unfinished. */
  stopAll(reason: string): void {
    for (const call of this.calls.values()) this.stopRecording(call, reason);
  }

  private startRecording(call: Call, recordDn: string, trigger: string): void {
    if (call.recording) return;
    const recordingId = call.recordId ?? call.callUuid;
    const sipCallId = `${call.callUuid}-rec@${sipHosts.sipServer}`;
    const fromTag = sipTag();
    const requestUri = `sip:msml=${call.connId}@${sipHosts.resourceManager};dn=${recordDn};record;media-service=record`;
    const invite: SipMessage = {
      startLine: `INVITE ${requestUri} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.sipServer};branch=${sipBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:${recordDn}@${sipHosts.sipServer}>;tag=${fromTag}`],
        ['To', `<sip:msml=${call.connId}@${sipHosts.resourceManager}>`],
        ['Call-ID', sipCallId],
        ['CSeq', '1 INVITE'],
        ['Contact', `<sip:${recordDn}@${sipHosts.sipServer}>`],
        ['X-Genesys-ConnID', call.connId],
        ['X-Genesys-CallUUID', call.callUuid],
        ['X-Genesys-ANI', call.ani],
        ['X-Genesys-DNIS', call.dnis],
        ...(call.agent.agentId ? ([['X-Genesys-AgentID', call.agent.agentId]] as Array<[string, string]>) : []),
        ['Content-Type', 'application/sdp'],
      ],
      body: [
        'v=0',
        `o=SIPServer 1 1 IN IP4 ${sipHosts.sipServer.split(':')[0]}`,
        's=recording',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 30000 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=sendonly',
        '',
      ].join('\r\n'),
    };
    const answer = parseSip(this.send(call, invite));
    if (!answer.startLine.startsWith('SIP/2.0 200')) {
      call.trace.add(sipServer, sipServer, `recording not started: ${answer.startLine}`);
      return;
    }
    const toHeader = sipHeader(answer, 'To') ?? '';
    const mcpContact = (sipHeader(answer, 'Contact') ?? '').replace(/^<|>$/g, '');
    const connTag = parseSipUri(mcpContact).user;
    const leg: RecordingLeg = {
      recordingId,
      recordDn,
      sipCallId,
      fromTag,
      toHeader,
      mcpContact,
      dialogId: `${connTag}/dialog:${recordingId}`,
      cseq: 1,
      state: 'recording',
    };
    this.send(call, this.inDialog(call, leg, 'ACK', leg.cseq));
    const started = parseSip(
      this.send(
        call,
        this.inDialog(
          call,
          leg,
          'INFO',
          ++leg.cseq,
          msmlRecordStart({
            target: connTag,
            dialogName: recordingId,
            dest: `vox-storage:recordings/${call.callUuid}`,
            format: 'audio/mp3',
          }),
        ),
      ),
    );
    if (!/<result response="200"/.test(started.body)) return;
    call.recording = leg;
    this.history(call, 'RecordingStarted', recordDn, trigger);
    this.emitRecordingEvent('RecordingStarted', call, leg);
  }

  private stopRecording(call: Call, reason: string): void {
    const leg = call.recording;
    if (!leg) return;
    this.send(call, this.inDialog(call, leg, 'INFO', ++leg.cseq, msmlDialogEnd(leg.dialogId)));
    this.send(call, this.inDialog(call, leg, 'BYE', ++leg.cseq));
    call.recording = undefined;
    this.history(call, 'RecordingStopped', leg.recordDn, reason);
    this.emitRecordingEvent('RecordingStopped', call, leg);
  }

  private inDialog(
    call: Call,
    leg: RecordingLeg,
    method: 'ACK' | 'INFO' | 'BYE',
    cseq: number,
    msml?: string,
  ): SipMessage {
    return {
      startLine: `${method} sip:${leg.mcpContact.replace(/^sip:/, '')} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.sipServer};branch=${sipBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:${leg.recordDn}@${sipHosts.sipServer}>;tag=${leg.fromTag}`],
        ['To', leg.toHeader],
        ['Call-ID', leg.sipCallId],
        ['CSeq', `${cseq} ${method}`],
        ...(msml ? ([['Content-Type', 'application/msml+xml']] as Array<[string, string]>) : []),
        ['X-Genesys-ConnID', call.connId],
      ],
      body: msml ?? '',
    };
  }

  /** Sends a request to the Resource Manager and returns its final response, tracing each hop. */
  private send(call: Call, request: SipMessage): string {
    const text = formatSip(request);
    call.trace.add(sipServer, resourceManager, text);
    const response = this.resourceManager.proxy(text, (from, to, hop) => call.trace.add(from, to, hop));
    if (response) call.trace.add(resourceManager, sipServer, response);
    return response;
  }

  private requireCall(connId: string): Call {
    const call = this.calls.get(connId);
    if (!call) throw new SimError('not_found', 404, `no active call with ConnectionID ${connId}`);
    return call;
  }

  private activeCallOf(dn: string): Call | undefined {
    return [...this.calls.values()].find((c) => c.parties.some((p) => p.dn === dn && p.state !== 'released'));
  }

  private history(call: Call, event: string, dn: string, detail?: string): void {
    this.callDetails.addEvent(call.connId, { at: new Date().toISOString(), event, dn, ...(detail ? { detail } : {}) });
  }

  private emitCallEvent(name: CallEventName, call: Call, dn: string): void {
    this.history(call, name, dn);
    const at = new Date().toISOString();
    for (const party of call.parties) {
      if (party.role !== 'agent') continue;
      const event: TEvent = {
        connId: call.connId,
        callUuid: call.callUuid,
        dn: party.dn,
        ani: call.ani,
        dnis: call.dnis,
        parties: call.parties.map((p) => ({ ...p })),
        attachedData: call.attachedData,
        at,
      };
      this.bus.emit('callEvent', name, event);
    }
  }

  private emitRecordingEvent(name: RecordingEventName, call: Call, leg: RecordingLeg): void {
    this.bus.emit(
      'recordingEvent',
      name,
      {
        connId: call.connId,
        callUuid: call.callUuid,
        recordingId: leg.recordingId,
        dn: leg.recordDn,
        at: new Date().toISOString(),
      },
      call.agent.group,
    );
  }

  private toSnapshot(call: Call): CallSnapshot {
    return {
      connId: call.connId,
      callUuid: call.callUuid,
      ani: call.ani,
      dnis: call.dnis,
      state: call.state,
      parties: call.parties.map((p) => ({ ...p })),
      recording: call.recording
        ? { state: call.recording.state, recordingId: call.recording.recordingId }
        : { state: 'idle' },
      attachedData: call.attachedData,
    };
  }
}
