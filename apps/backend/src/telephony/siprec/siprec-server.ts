import type { CallSnapshot, TraceMessage } from '@vox/shared';
import type { RtpStreamSpec } from '../../platform/media/capture-engine.ts';
import type { DnDirectory } from '../sip-server/dn-directory.ts';
import { CallTrace } from '../sip-server/call-trace.ts';
import {
  formatSip,
  sipBranch,
  sipHeader,
  sipRequestLine,
  sipResponse,
  sipTag,
  type SipMessage,
} from '../sip/sip-message.ts';
import {
  buildSiprecAnswer,
  parseSiprecOffer,
  SiprecOfferError,
  type AnsweredStream,
  type SiprecOffer,
} from './siprec-offer.ts';
import { SipTransport, type SipInbound, type SipPeer } from './sip-transport.ts';
import { sipAddressUri, sipHeaderValues, sipParam } from './sip-wire.ts';
import { chooseStreams, siprecCallOf, streamsActive, type ChosenStream } from './siprec-session-plan.ts';
import { SiprecRecording, type SiprecCall, type SiprecEnd, type SiprecRecordingDeps } from './siprec-recording.ts';
import type { RtpPortPool } from './rtp-port-pool.ts';

export interface SiprecServerOptions extends SiprecRecordingDeps {
  host: string;
  port: number;
  rtpPorts: RtpPortPool;
  /** no RTP and no SIP from the SRC for this long ends the recording as interrupted */
  rtpTimeoutMs: number;
  directory: Pick<DnDirectory, 'lookup'>;
}

/** RFC 3261 timers: T1, T2, and how long an unacknowledged answer is retransmitted (64 * T1). */
const t1Ms = 500;
const t2Ms = 4000;
const answerTimeoutMs = 64 * t1Ms;
/** A request's answer is kept this long, to answer its retransmissions the same way. */
const answeredKeepMs = 32_000;
const allowedMethods = 'INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO';
const srs = 'Vox SRS';

/** One SIPREC session: the SRC's dialog with Vox and the recording it feeds. */
interface SiprecDialog {
  callId: string;
  localTag: string;
  peer: SipPeer;
  /** the SRC's From, our To (with our tag): Vox's own requests (a BYE) swap them */
  remoteFrom: string;
  localTo: string;
  remoteContact: string;
  trace: CallTrace;
  offer: SiprecOffer;
  /** the first port of the session's block, and how many streams it records */
  rtpBase: number;
  recordedStreams: number;
  answered: AnsweredStream[];
  sdpVersion: number;
  sdpSessionId: string;
  recording: SiprecRecording | undefined;
  /** the INVITE (or re-INVITE) whose 2xx waits for its ACK */
  unacked: { cseq: number; text: string; since: number; timer: NodeJS.Timeout | undefined } | undefined;
  cancelled: boolean;
  inviteBranch: string;
  localCSeq: number;
}

/**
 * Vox's SIPREC Session Recording Server (RFC 7866): SBCs and PBXs fork a real call's two audio
 * streams to it. It answers the SRC's INVITE with one `recvonly` stream per forked stream,
 * receives their RTP on its media workers, and records them as an ordinary Vox recording:
 * encrypted, stored through the outbox, merged by the Recording Processor, indexed, with the
 * agent's screen recorded alongside when the agent's desktop is logged in.
 */
export class SiprecServer {
  private readonly dialogs = new Map<string, SiprecDialog>();
  /** recent requests' answers by `branch method`, for retransmissions; undefined while in progress */
  private readonly answers = new Map<string, { text: string | undefined; at: number }>();
  private readonly watchdog: NodeJS.Timeout;
  /** recordings of sessions that ended, still being stored: close() waits for them */
  private readonly storing = new Set<Promise<void>>();

  private constructor(
    private readonly options: SiprecServerOptions,
    private readonly transport: SipTransport,
  ) {
    this.watchdog = setInterval(() => this.watch(), 1000);
    this.watchdog.unref();
  }

  static async listen(options: SiprecServerOptions): Promise<SiprecServer> {
    // Nothing arrives before listen() resolves and the server exists: the first datagram waits.
    const started: { server?: SiprecServer } = {};
    const transport = await SipTransport.listen(
      options.host,
      options.port,
      (inbound) => started.server?.receive(inbound),
      options.log,
    );
    started.server = new SiprecServer(options, transport);
    return started.server;
  }

  get port(): number {
    return this.transport.port;
  }

  get activeSessions(): number {
    return [...this.dialogs.values()].filter((d) => d.recording).length;
  }

  /** The sessions the DN takes part in, as calls (the agent desktop's catch-up). */
  callsOf(dn: string | undefined): CallSnapshot[] {
    return [...this.dialogs.values()]
      .filter((d) => d.recording && (dn === undefined || d.recording.agentDn === dn))
      .map((d) => d.recording!.snapshot());
  }

  snapshotOf(connId: string): CallSnapshot | undefined {
    return [...this.dialogs.values()].find((d) => d.recording?.connId === connId)?.recording?.snapshot();
  }

  /** The SIP dialogue with the SRC of a session in progress (the recording's call ladder). */
  traceOf(connId: string): TraceMessage[] | undefined {
    return [...this.dialogs.values()].find((d) => d.recording?.connId === connId)?.trace.list();
  }

  /** Ends every recording (stored as interrupted) and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.watchdog);
    const endings = [...this.dialogs.values()].map((dialog) => this.endSession(dialog, 'shutdown'));
    await Promise.all([...endings, ...this.storing]);
    await this.transport.close();
  }

  // --- Requests ------------------------------------------------------------------------------

  private receive({ message, peer }: SipInbound): void {
    if (message.startLine.startsWith('SIP/2.0')) return; // answers to Vox's own BYEs: nothing to do
    const { method } = sipRequestLine(message);
    const dialog = this.dialogs.get(sipHeader(message, 'Call-ID') ?? '');
    if (dialog) {
      dialog.trace.add(this.srcName(peer), srs, formatSip(message));
      if (dialog.recording) dialog.recording.lastSignallingAt = Date.now();
    }
    if (method === 'ACK') return this.ack(message, dialog);
    const key = this.transactionKey(message, method);
    const seen = this.answers.get(key);
    if (seen) {
      // A retransmission: the same answer again (a 100 Trying while the INVITE is being set up).
      if (seen.text) peer.send(seen.text);
      else if (method === 'INVITE') peer.send(formatSip(sipResponse(message, '100 Trying')));
      return;
    }
    const missing = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].filter((name) => !sipHeader(message, name));
    if (missing.length > 0) {
      if (sipHeader(message, 'Via'))
        this.answer(message, peer, key, dialog, '400 Bad Request', `missing ${missing.join(', ')}`);
      else this.options.log.warn(`SIP ${method} from ${peer.address}:${peer.port} dropped: no Via`);
      return;
    }
    const toTag = sipParam(sipHeader(message, 'To'), 'tag');
    switch (method) {
      case 'INVITE':
        if (toTag) return this.reinvite(message, peer, key, dialog);
        this.answers.set(key, { text: undefined, at: Date.now() });
        this.invite(message, peer, key).catch((error: unknown) => {
          this.options.log.error({ err: error }, `SIPREC INVITE ${sipHeader(message, 'Call-ID')} failed`);
          const failed = this.dialogs.get(sipHeader(message, 'Call-ID') ?? '');
          this.answer(message, peer, key, failed, '500 Server Internal Error', 'the recorder failed');
          if (failed && !failed.recording) this.dialogs.delete(failed.callId);
        });
        return;
      case 'UPDATE':
        return this.reinvite(message, peer, key, dialog);
      case 'BYE':
        return this.bye(message, peer, key, dialog);
      case 'CANCEL':
        return this.cancel(message, peer, key, dialog);
      case 'OPTIONS':
        return this.answer(message, peer, key, dialog, '200 OK', undefined, [
          ['Allow', allowedMethods],
          ['Accept', 'application/sdp, multipart/mixed, application/rs-metadata+xml, application/rs-metadata'],
          ['Supported', 'siprec'],
        ]);
      case 'INFO':
        if (!dialog) return this.answer(message, peer, key, undefined, '481 Call/Transaction Does Not Exist');
        return this.answer(message, peer, key, dialog, '200 OK');
      default:
        return this.answer(message, peer, key, dialog, '405 Method Not Allowed', undefined, [
          ['Allow', allowedMethods],
        ]);
    }
  }

  private async invite(message: SipMessage, peer: SipPeer, key: string): Promise<void> {
    const callId = sipHeader(message, 'Call-ID')!;
    const refuse = (status: string, reason: string, extra: Array<[string, string]> = []) => {
      this.options.log.warn(`SIPREC INVITE ${callId} from ${peer.address}:${peer.port} refused: ${status} (${reason})`);
      this.answer(message, peer, key, undefined, status, reason, extra);
    };
    if (this.dialogs.has(callId)) return refuse('482 Loop Detected', 'a session with this Call-ID is already recorded');
    peer.send(formatSip(sipResponse(message, '100 Trying')));
    const require = sipHeaderValues(message, 'Require').map((v) => v.toLowerCase());
    const siprec = require.includes('siprec') || /\+sip\.src/i.test(sipHeader(message, 'Contact') ?? '');
    if (!siprec) {
      return refuse('421 Extension Required', 'Vox records SIPREC sessions only (RFC 7866)', [['Require', 'siprec']]);
    }
    const unsupported = require.filter((v) => v !== 'siprec' && v !== 'timer');
    if (unsupported.length > 0)
      return refuse('420 Bad Extension', `unsupported ${unsupported.join(', ')}`, [
        ['Unsupported', unsupported.join(', ')],
      ]);
    let offer: SiprecOffer;
    try {
      offer = parseSiprecOffer(sipHeader(message, 'Content-Type'), message.body);
    } catch (error) {
      if (error instanceof SiprecOfferError) return refuse(statusLine(error.status), error.message);
      throw error;
    }
    const chosen = chooseStreams(offer);
    if (typeof chosen === 'string') return refuse('488 Not Acceptable Here', chosen);
    const dialog: SiprecDialog = {
      callId,
      localTag: sipTag(),
      peer,
      remoteFrom: sipHeader(message, 'From')!,
      localTo: '',
      remoteContact: sipAddressUri(sipHeader(message, 'Contact') ?? sipRequestLine(message).uri),
      trace: new CallTrace(),
      offer,
      rtpBase: 0,
      recordedStreams: chosen.length,
      answered: [],
      sdpVersion: 0,
      sdpSessionId: String(Date.now()),
      recording: undefined,
      unacked: undefined,
      cancelled: false,
      inviteBranch: sipParam(sipHeader(message, 'Via'), 'branch') ?? '',
      localCSeq: 1,
    };
    dialog.localTo = `${sipHeader(message, 'To')!};tag=${dialog.localTag}`;
    dialog.trace.add(this.srcName(peer), srs, formatSip(message));
    // Known before the first await: a CANCEL sent right behind the INVITE must find it.
    this.dialogs.set(callId, dialog);
    const call = await siprecCallOf(message, offer, chosen, this.options.directory);
    if (dialog.cancelled) return;
    const recording = await this.startRecording(dialog, chosen, call);
    if (!recording) {
      this.dialogs.delete(callId);
      return refuse('503 Service Unavailable', 'no RTP ports are free', [['Retry-After', '5']]);
    }
    if (dialog.cancelled) {
      this.options.rtpPorts.release(dialog.rtpBase, chosen.length);
      await recording.abandon();
      return;
    }
    dialog.recording = recording;
    // RTP can flow from the answer on: the time spent binding the ports is no silence of the SRC's.
    recording.lastSignallingAt = Date.now();
    dialog.answered = offer.streams.map((stream) => {
      const index = chosen.findIndex((c) => c.stream === stream);
      const picked = chosen[index];
      return picked
        ? { port: dialog.rtpBase + 2 * index, codec: picked.codec, telephoneEvent: stream.telephoneEvent }
        : { port: 0, codec: undefined, telephoneEvent: undefined };
    });
    this.answerOffer(message, peer, key, dialog);
    recording.begin(!streamsActive(chosen));
    this.options.log.info(
      `SIPREC session ${callId} from ${peer.transport}:${peer.address}:${peer.port}: recording ${recording.recordingId}` +
        ` (${chosen.map((c) => `${c.stream.label ?? c.stream.index}:${c.codec.name}->${c.side}`).join(', ')}, RTP ${dialog.rtpBase})`,
    );
  }

  /** Binds the session's ports on a media worker; a block taken by another program is skipped. */
  private async startRecording(
    dialog: SiprecDialog,
    chosen: ChosenStream[],
    call: SiprecCall,
  ): Promise<SiprecRecording | undefined> {
    const { rtpPorts, host } = this.options;
    const taken = new Set<number>();
    for (let attempt = 0; attempt < 8; attempt++) {
      const base = rtpPorts.allocate(chosen.length, taken);
      if (base === undefined) return undefined;
      const streams: RtpStreamSpec[] = chosen.map((c, i) => ({
        side: c.side,
        host,
        port: base + 2 * i,
        codec: c.codec.name as RtpStreamSpec['codec'],
        payloadType: c.codec.payloadType,
        telephoneEvent: c.stream.telephoneEvent,
      }));
      const recording = new SiprecRecording(this.options, call, streams, dialog.trace);
      try {
        await recording.bound;
        dialog.rtpBase = base;
        return recording;
      } catch (error) {
        rtpPorts.release(base, chosen.length);
        for (let i = 0; i < chosen.length; i++) taken.add(base + 2 * i);
        this.options.log.warn({ err: error }, `SIPREC: RTP port ${base} could not be bound, trying another`);
      }
    }
    return undefined;
  }

  /** A re-INVITE or UPDATE: pause (streams inactive), resume (sendonly again), new metadata. */
  private reinvite(message: SipMessage, peer: SipPeer, key: string, dialog: SiprecDialog | undefined): void {
    if (!dialog?.recording) return this.answer(message, peer, key, dialog, '481 Call/Transaction Does Not Exist');
    const { method } = sipRequestLine(message);
    if (!message.body.trim()) {
      // A session refresh without an offer: the answer repeats the current description.
      return this.answerOffer(message, peer, key, dialog, method === 'INVITE');
    }
    let offer: SiprecOffer;
    try {
      offer = parseSiprecOffer(sipHeader(message, 'Content-Type'), message.body);
    } catch (error) {
      if (error instanceof SiprecOfferError)
        return this.answer(message, peer, key, dialog, statusLine(error.status), error.message);
      throw error;
    }
    // RFC 3264 section 8: a new offer keeps every m-line and may add some (a joining party's stream).
    if (offer.streams.length < dialog.answered.length) {
      return this.answer(message, peer, key, dialog, '400 Bad Request', 'a new offer may not remove m-lines');
    }
    while (dialog.answered.length < offer.streams.length) {
      dialog.answered.push({ port: 0, codec: undefined, telephoneEvent: undefined });
    }
    const recording = dialog.recording;
    if (offer.metadata) {
      void siprecCallOf(message, offer, this.recordedOf(dialog, offer), this.options.directory).then((call) =>
        recording.updateCall(call),
      );
    }
    const kept = offer.streams.filter((_, i) => (dialog.answered[i]?.port ?? 0) !== 0);
    const active = kept.some((s) => s.direction === 'sendonly' || s.direction === 'sendrecv');
    if (active) recording.resume(`${method}: the SRC sends the streams again`);
    else recording.pause(`${method}: the SRC set the streams inactive`);
    dialog.offer = offer;
    this.answerOffer(message, peer, key, dialog, method === 'INVITE');
  }

  private ack(message: SipMessage, dialog: SiprecDialog | undefined): void {
    const cseq = Number.parseInt(sipHeader(message, 'CSeq') ?? '', 10);
    if (!dialog?.unacked || dialog.unacked.cseq !== cseq) return;
    clearTimeout(dialog.unacked.timer);
    dialog.unacked = undefined;
  }

  private bye(message: SipMessage, peer: SipPeer, key: string, dialog: SiprecDialog | undefined): void {
    if (!dialog) return this.answer(message, peer, key, undefined, '481 Call/Transaction Does Not Exist');
    this.answer(message, peer, key, dialog, '200 OK');
    void this.endSession(dialog, 'bye');
  }

  /** CANCEL before the answer ends the session: the INVITE gets 487 and nothing is recorded. */
  private cancel(message: SipMessage, peer: SipPeer, key: string, dialog: SiprecDialog | undefined): void {
    const branch = sipParam(sipHeader(message, 'Via'), 'branch');
    if (!dialog || dialog.inviteBranch !== branch) {
      return this.answer(message, peer, key, dialog, '481 Call/Transaction Does Not Exist');
    }
    this.answer(message, peer, key, dialog, '200 OK');
    if (dialog.recording && dialog.answered.length > 0) return; // answered already: CANCEL has no effect
    dialog.cancelled = true;
    const inviteKey = `${branch} INVITE`;
    const invite = { ...message, startLine: message.startLine.replace(/^CANCEL/, 'INVITE') };
    invite.headers = invite.headers.map(([n, v]) =>
      n.toLowerCase() === 'cseq' ? [n, v.replace(/CANCEL/i, 'INVITE')] : [n, v],
    );
    this.answer(invite, peer, inviteKey, dialog, '487 Request Terminated');
    this.dialogs.delete(dialog.callId);
    this.options.log.info(`SIPREC session ${dialog.callId}: cancelled before the answer, nothing recorded`);
  }

  // --- Answers -------------------------------------------------------------------------------

  /** A final answer without SDP, remembered for retransmissions and written to the session's ladder. */
  private answer(
    request: SipMessage,
    peer: SipPeer,
    key: string,
    dialog: SiprecDialog | undefined,
    status: string,
    warning?: string,
    extra: Array<[string, string]> = [],
  ): void {
    const headers: Array<[string, string]> = [...extra];
    if (warning) headers.push(['Warning', `399 vox "${warning.replace(/["\r\n]/g, "'")}"`]);
    const response = sipResponse(request, status, headers);
    if (dialog && !status.startsWith('1')) {
      response.headers = response.headers.map(([n, v]) =>
        n.toLowerCase() === 'to' && !sipParam(v, 'tag') ? [n, `${v};tag=${dialog.localTag}`] : [n, v],
      );
    }
    this.send(response, peer, key, dialog);
  }

  /** 200 OK with the SDP answer; an INVITE's is retransmitted over UDP until its ACK. */
  private answerOffer(request: SipMessage, peer: SipPeer, key: string, dialog: SiprecDialog, awaitsAck = true): void {
    dialog.sdpVersion++;
    const sdp = buildSiprecAnswer(dialog.offer, dialog.answered, {
      host: this.options.host,
      sessionId: dialog.sdpSessionId,
      version: dialog.sdpVersion,
    });
    const response = sipResponse(
      request,
      '200 OK',
      [
        ['Contact', `<sip:vox-srs@${hostPort(this.options.host, this.port)};transport=${peer.transport}>;+sip.srs`],
        ['Allow', allowedMethods],
        ['Supported', 'siprec'],
        ['Content-Type', 'application/sdp'],
      ],
      sdp,
    );
    response.headers = response.headers.map(([n, v]) => (n.toLowerCase() === 'to' ? [n, dialog.localTo] : [n, v]));
    const text = this.send(response, peer, key, dialog);
    if (!awaitsAck) return;
    const cseq = Number.parseInt(sipHeader(request, 'CSeq') ?? '', 10);
    if (dialog.unacked) clearTimeout(dialog.unacked.timer);
    dialog.unacked = { cseq, text, since: Date.now(), timer: undefined };
    if (peer.transport === 'udp') this.retransmit(dialog, t1Ms);
  }

  /** RFC 3261 section 13.3.1.4: the 2xx again at T1, 2T1, ... up to T2 apart, until the ACK. */
  private retransmit(dialog: SiprecDialog, interval: number): void {
    const unacked = dialog.unacked;
    if (!unacked) return;
    unacked.timer = setTimeout(() => {
      if (dialog.unacked !== unacked || Date.now() - unacked.since >= answerTimeoutMs) return;
      dialog.peer.send(unacked.text);
      this.retransmit(dialog, Math.min(2 * interval, t2Ms));
    }, interval);
    unacked.timer.unref();
  }

  private send(response: SipMessage, peer: SipPeer, key: string, dialog: SiprecDialog | undefined): string {
    const text = formatSip(response);
    peer.send(text);
    dialog?.trace.add(srs, this.srcName(peer), text);
    if (!response.startLine.startsWith('SIP/2.0 1')) this.answers.set(key, { text, at: Date.now() });
    return text;
  }

  // --- Session ends --------------------------------------------------------------------------

  /** Every second: forget old answers, end sessions whose SRC went silent or never acknowledged. */
  private watch(): void {
    const now = Date.now();
    for (const [key, answer] of this.answers) if (now - answer.at > answeredKeepMs) this.answers.delete(key);
    for (const dialog of this.dialogs.values()) {
      const recording = dialog.recording;
      if (!recording) continue;
      if (dialog.unacked && now - dialog.unacked.since >= answerTimeoutMs) {
        this.options.log.warn(`SIPREC session ${dialog.callId}: the answer was never acknowledged, recording ended`);
        void this.endSession(dialog, 'no-ack', true);
      } else if (
        !dialog.unacked &&
        recording.state !== 'paused' &&
        now - recording.lastHeardAt() >= this.options.rtpTimeoutMs
      ) {
        // Paused streams carry no RTP (RFC 7866 section 7.1.2): the resuming re-INVITE restarts the count.
        // Nor does an SRC before its ACK: an answer waiting for one is ended by the ACK timer instead.
        this.options.log.warn(
          `SIPREC session ${dialog.callId}: no RTP and no signalling for ${this.options.rtpTimeoutMs / 1000} s, recording ended as interrupted`,
        );
        void this.endSession(dialog, 'rtp-timeout', true);
      }
    }
  }

  private async endSession(dialog: SiprecDialog, reason: SiprecEnd, sendBye = false): Promise<void> {
    if (this.dialogs.get(dialog.callId) !== dialog) return;
    this.dialogs.delete(dialog.callId);
    if (dialog.unacked) clearTimeout(dialog.unacked.timer);
    if (sendBye) this.sendBye(dialog);
    const recording = dialog.recording;
    if (!recording) return;
    // Callers do not wait (a BYE is answered at once): a failure is logged here, never left unhandled.
    const stored = recording
      .end(reason)
      .catch((error: unknown) =>
        this.options.log.error({ err: error }, `SIPREC recording ${recording.recordingId} was not stored`),
      )
      .finally(() => {
        this.options.rtpPorts.release(dialog.rtpBase, dialog.recordedStreams);
        this.storing.delete(stored);
      });
    this.storing.add(stored);
    await stored;
  }

  /** Vox ends the session itself: the SRC hears a BYE (it may be gone; nobody waits for the answer). */
  private sendBye(dialog: SiprecDialog): void {
    const via = `SIP/2.0/${dialog.peer.transport.toUpperCase()} ${hostPort(this.options.host, this.port)};branch=${sipBranch()};rport`;
    const bye: SipMessage = {
      startLine: `BYE ${dialog.remoteContact} SIP/2.0`,
      headers: [
        ['Via', via],
        ['Max-Forwards', '70'],
        ['From', dialog.localTo],
        ['To', dialog.remoteFrom],
        ['Call-ID', dialog.callId],
        ['CSeq', `${dialog.localCSeq++} BYE`],
      ],
      body: '',
    };
    const text = formatSip(bye);
    dialog.peer.send(text);
    dialog.trace.add(srs, this.srcName(dialog.peer), text);
  }

  // --- The call behind the session ----------------------------------------------------------

  /** The recorded streams of a session, in a later offer (same m-line positions). */
  private recordedOf(dialog: SiprecDialog, offer: SiprecOffer): ChosenStream[] {
    return offer.streams.flatMap((stream, i) => {
      const answered = dialog.answered[i];
      return answered?.port && answered.codec ? [{ stream, codec: answered.codec, side: 'customer' as const }] : [];
    });
  }

  private transactionKey(message: SipMessage, method: string): string {
    const branch = sipParam(sipHeader(message, 'Via'), 'branch');
    // RFC 2543 peers without a magic-cookie branch: Call-ID and CSeq tell transactions apart.
    return branch?.startsWith('z9hG4bK')
      ? `${branch} ${method}`
      : `${sipHeader(message, 'Call-ID')} ${sipHeader(message, 'CSeq')} ${method}`;
  }

  private srcName(peer: SipPeer): string {
    return `SRC ${peer.address}:${peer.port}`;
  }
}

function statusLine(status: 400 | 415 | 488): string {
  return { 400: '400 Bad Request', 415: '415 Unsupported Media Type', 488: '488 Not Acceptable Here' }[status];
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
