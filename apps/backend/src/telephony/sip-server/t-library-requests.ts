import {
  privateMsgIds,
  tErrorCodes,
  type EventAck,
  type IvrRecordRequest,
  type PrivateServiceRequest,
  type TErrorKey,
  type User,
} from '@vox/shared';
import type { Call, Party, SipServer } from './sip-server.ts';

/** A request SIP Server refuses with EventError; the API answers it with the code's HTTP status. */
export class TLibraryError extends Error {
  constructor(
    readonly key: TErrorKey,
    message: string,
    readonly request?: PrivateServiceRequest,
  ) {
    super(message);
  }
}

const msgNames = new Map<number, string>(Object.entries(privateMsgIds).map(([name, id]) => [id, name]));

/**
 * T-Library clients: who registered which DN (TRegisterAddress), and the recording requests
 * they send (TPrivateService GSIP_RECORD_START/STOP/PAUSE/RESUME). An agent is registered on its
 * own DN from login; an admin counts as registered on every DN.
 */
export class TLibraryRequests {
  /** user id -> DNs that user registered */
  private readonly registrations = new Map<string, Set<string>>();

  constructor(private readonly sipServer: SipServer) {}

  register(user: User, dn: string): string[] {
    const dns = this.registrations.get(user.id) ?? new Set<string>();
    dns.add(dn);
    this.registrations.set(user.id, dns);
    return this.registeredDns(user);
  }

  registeredDns(user: User): string[] {
    const dns = new Set(this.registrations.get(user.id));
    if (user.role === 'agent' && user.dn) dns.add(user.dn);
    return [...dns].sort();
  }

  isRegistered(user: User, dn: string): boolean {
    return user.role === 'admin' || this.registeredDns(user).includes(dn);
  }

  /** TPrivateService: EventACK, or throws TLibraryError (EventError). */
  async privateService(user: User, request: PrivateServiceRequest): Promise<EventAck> {
    const name = msgNames.get(request.privateMsgId);
    const fail = (key: TErrorKey, message: string) => new TLibraryError(key, message, request);
    if (!name) {
      throw fail(
        'unknownPrivateMsgId',
        `PrivateMsgID ${request.privateMsgId} is not one SIP Server knows (3013 start, 3014 stop, 3015 pause, 3016 resume)`,
      );
    }
    if (!this.isRegistered(user, request.thisDn)) {
      throw fail('dnNotRegistered', `ThisDN ${request.thisDn} is not registered by ${user.username}`);
    }
    // Registration says who may act for a DN; the DN must also be on the call it acts on, or one
    // agent could stop, pause or restart another agent's recording.
    const call = this.sipServer.findCall(request.connId);
    if (call && !call.parties.some((p) => p.dn === request.thisDn && p.state !== 'released')) {
      throw fail('dnNotInCall', `ThisDN ${request.thisDn} is not a party of call ${request.connId}`);
    }
    const id = request.extensions?.id;
    if (
      request.privateMsgId === privateMsgIds.GSIP_RECORD_START &&
      id &&
      (await this.sipServer.isRecordingIdTaken(id))
    ) {
      throw fail('recordingIdInUse', `recording id ${id} is already in use: ids are globally unique`);
    }
    return this.execute(request, `TPrivateService ${name} from ${request.thisDn}${reasonText(request.reasons)}`);
  }

  /** A recording request from a client registered on ThisDN. */
  private execute(request: PrivateServiceRequest, by: string): EventAck {
    const fail = (key: TErrorKey, message: string) => new TLibraryError(key, message, request);
    const call = this.sipServer.findCall(request.connId);
    if (!call) throw fail('unknownConnectionId', `no call with ConnectionID ${request.connId}`);
    const recording = call.recording;
    let recordingId = recording?.recordingId;
    switch (request.privateMsgId) {
      case privateMsgIds.GSIP_RECORD_START: {
        if (recording)
          throw fail('alreadyRecording', `call ${call.connId} is already being recorded (${recording.recordingId})`);
        const party = this.startParty(call, request.extensions?.record ?? 'source', request.thisDn);
        recordingId = this.sipServer.enableRecording(call, party, by, {
          ...(request.extensions?.id ? { recordingId: request.extensions.id } : {}),
          ...(request.extensions?.dest ? { dest: request.extensions.dest } : {}),
        })?.recordingId;
        break;
      }
      case privateMsgIds.GSIP_RECORD_STOP:
        if (!recording) throw fail('notRecording', `call ${call.connId} is not being recorded`);
        this.sipServer.stopRecordingByRequest(call, by);
        break;
      case privateMsgIds.GSIP_RECORD_PAUSE:
        if (!recording) throw fail('notRecording', `call ${call.connId} is not being recorded`);
        if (recording.state === 'paused')
          throw fail('alreadyPaused', `the recording of ${call.connId} is already paused`);
        this.sipServer.pauseRecording(call, request.thisDn, by);
        break;
      case privateMsgIds.GSIP_RECORD_RESUME:
        if (!recording) throw fail('notRecording', `call ${call.connId} is not being recorded`);
        if (recording.state !== 'paused') throw fail('notPaused', `the recording of ${call.connId} is not paused`);
        this.sipServer.resumeRecording(call, request.thisDn, by);
        break;
    }
    return {
      event: 'EventACK',
      privateMsgId: request.privateMsgId,
      thisDn: request.thisDn,
      connId: request.connId,
      ...(recordingId ? { recordingId } : {}),
      ...(request.reasons ? { reasons: request.reasons } : {}),
    };
  }

  /**
   * The IVR application's recording control (VoiceXML `<log gvp:dest="record">`): `start` makes
   * the IVR's party recording-enabled, `stop` ends the recording, `pause`/`resume` mask a stretch.
   */
  ivrRecord(connId: string, request: IvrRecordRequest): EventAck {
    const call = this.sipServer.findCall(connId);
    if (!call) throw new TLibraryError('unknownConnectionId', `no call with ConnectionID ${connId}`);
    const party = call.parties.find((p) => p.dn === request.dn);
    if (!party || party.role !== 'ivr') {
      throw new TLibraryError('dnNotRegistered', `DN ${request.dn} is not an IVR port in call ${connId}`);
    }
    const msgId = {
      start: privateMsgIds.GSIP_RECORD_START,
      stop: privateMsgIds.GSIP_RECORD_STOP,
      pause: privateMsgIds.GSIP_RECORD_PAUSE,
      resume: privateMsgIds.GSIP_RECORD_RESUME,
    }[request.action];
    if (request.action === 'start') {
      if (call.recording) throw new TLibraryError('alreadyRecording', `call ${connId} is already being recorded`);
      const leg = this.sipServer.enableRecording(call, party, 'IVR application <log gvp:dest="record">start');
      return {
        event: 'EventACK',
        privateMsgId: msgId,
        thisDn: request.dn,
        connId,
        ...(leg ? { recordingId: leg.recordingId } : {}),
      };
    }
    // The IVR port acts on its own DN: the rest is what a T-Library client's request does.
    return this.execute(
      { privateMsgId: msgId, thisDn: request.dn, connId },
      `IVR application <log gvp:dest="record">${request.action}`,
    );
  }

  /** GSIP_RECORD_START's `record` extension: whose side of the call becomes recording-enabled. */
  private startParty(call: Call, side: 'source' | 'destination', thisDn: string): Party {
    const own = call.parties.find((p) => p.dn === thisDn && p.role !== 'customer');
    if (side === 'destination') {
      const destination = own ?? call.parties.find((p) => p.role !== 'customer');
      if (destination) return destination;
    }
    const source = call.parties.find((p) => p.role === 'customer') ?? call.parties[0];
    if (!source) throw new TLibraryError('unknownConnectionId', `call ${call.connId} has no parties`);
    return source;
  }
}

function reasonText(reasons: Record<string, string> | undefined): string {
  if (!reasons || Object.keys(reasons).length === 0) return '';
  return ` (${Object.entries(reasons)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')})`;
}

export function eventError(error: TLibraryError) {
  const spec = tErrorCodes[error.key];
  return {
    status: spec.status,
    body: {
      event: 'EventError' as const,
      errorCode: spec.code,
      errorName: spec.name,
      errorMessage: error.message,
      ...(error.request
        ? { privateMsgId: error.request.privateMsgId, thisDn: error.request.thisDn, connId: error.request.connId }
        : {}),
    },
  };
}
