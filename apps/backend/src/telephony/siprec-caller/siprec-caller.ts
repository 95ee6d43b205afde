import { randomBytes, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { formatSip, sipBranch, sipHeader, sipResponse, sipTag, type SipMessage } from '../sip/sip-message.ts';
import { sipAddressUri, sipHeaderValues, sipParam } from '../siprec/sip-wire.ts';
import { RtpSender, type G711Codec } from './rtp-sender.ts';
import { openTcp, openUdp, sipHost, type Peer, type SipConnection } from './sip-client-connection.ts';
import {
  answerSdp,
  describeTargets,
  labels,
  multipartBody,
  offerSdp,
  ptimeMs,
  recordingMetadata,
  streamTargets,
  type StreamTarget,
} from './siprec-offer-body.ts';
import { syntheticCallAudio } from './synthetic-voice.ts';
import { errorMessage } from '@vox/shared';

export interface SiprecCallOptions {
  to: { host: string; port: number };
  transport: 'udp' | 'tcp';
  seconds: number;
  agentDn: string;
  customer: string;
  codec: G711Codec;
  /** 8 kHz audio of the customer (label 1) and the agent (label 2), looped; a generated voice each without */
  audio?: [Int16Array, Int16Array];
  /** RFC 4733 keys on the customer stream, from 1 s into the call */
  digits?: string;
  pause?: { atS: number; forS: number };
  log?: (line: string) => void;
}

export interface SiprecCallResult {
  callId: string;
  /** the final status of the INVITE */
  status: number;
  packetsSent: [number, number];
  /** the SDP of the 200 OK */
  answer: string;
  /** 'time': after `seconds`; 'abort': the signal ended it early; 'srs': the SRS sent BYE */
  endedBy: 'time' | 'abort' | 'srs';
  /** the final status of our BYE; 0 when the SRS hung up itself */
  byeStatus: number;
}

/** The call failed: the INVITE was turned down (its status), went unanswered (408) or the transport failed (503). */
export class SiprecCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SiprecCallError';
  }
}

/** RFC 3261 timers: T1 (RTT estimate), T2 (cap on non-INVITE retransmission) and 64*T1 for a transaction. */
const t1Ms = 500;
const t2Ms = 4000;
const transactionTimeoutMs = 64 * t1Ms;
/** After the user gave up on a call still ringing, how long to wait for the CANCEL to take. */
const cancelGraceMs = 4000;
/** RFC 4733 digits start this far into the call, once the SRS is surely recording. */
const digitsStartMs = 1000;
const userAgent = 'vox-sim siprec';

// ---------------------------------------------------------------------------------------------
// The call.

interface Transaction {
  onResponse(response: SipMessage): void;
  fail(error: unknown): void;
}

function statusOf(response: SipMessage): number {
  return Number(response.startLine.split(' ')[1] ?? 0);
}

function cseqOf(message: SipMessage): { number: number; method: string } {
  const [number = '0', method = ''] = (sipHeader(message, 'CSeq') ?? '').trim().split(/\s+/);
  return { number: Number(number), method: method.toUpperCase() };
}

function topViaBranch(message: SipMessage): string | undefined {
  return sipParam(sipHeaderValues(message, 'Via')[0], 'branch');
}

/** Resolves at `at` (performance.now() time), or as soon as `signal` aborts. */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, at - performance.now()));
    signal.addEventListener('abort', done, { once: true });
  });
}

async function openRtpSocket(family: 4 | 6): Promise<dgram.Socket> {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => resolve());
  });
  return socket;
}

class SiprecCall {
  private readonly log: (line: string) => void;
  private readonly callId = `${randomUUID()}@vox-sim`;
  private readonly localTag = sipTag();
  private readonly sdpSessionId = String(randomBytes(4).readUInt32BE(0));
  private sdpVersion = 0;
  private cseq = 0;
  private peer!: Peer;
  private connection: SipConnection | undefined;
  private rtpSockets: dgram.Socket[] = [];
  private readonly transactions = new Map<string, Transaction>();
  /** the ACK of each INVITE by CSeq number, sent again when its final response is */
  private readonly acks = new Map<number, SipMessage>();
  private requestUri = '';
  private remoteTo = '';
  private remoteTarget: string | undefined;
  private routeSet: string[] = [];
  private targets: StreamTarget[] = [];
  private sender: RtpSender | undefined;
  /** aborted when the call is to end early: by the caller's signal or the SRS's BYE */
  private readonly ending = new AbortController();
  private endedBySrs = false;

  constructor(
    private readonly options: SiprecCallOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.log = options.log ?? (() => undefined);
  }

  async run(): Promise<SiprecCallResult> {
    this.signal?.throwIfAborted();
    const onAbort = () => this.ending.abort();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.place();
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      this.close();
    }
  }

  private async place(): Promise<SiprecCallResult> {
    const { to, transport } = this.options;
    const resolved = await dns.lookup(to.host).catch((error: Error) => {
      throw new SiprecCallError(`cannot resolve ${to.host}: ${error.message}`, 503);
    });
    this.peer = { address: resolved.address, port: to.port, family: resolved.family === 6 ? 6 : 4 };
    const onMessage = (message: SipMessage) => this.receive(message);
    // An SRS that takes no TCP connection is the transport failing, as one whose name does not resolve.
    this.connection = await (transport === 'tcp'
      ? openTcp(this.peer, onMessage).catch((error: Error) => {
          throw new SiprecCallError(error.message, 503);
        })
      : openUdp(this.peer, onMessage));
    this.rtpSockets = await Promise.all([openRtpSocket(this.peer.family), openRtpSocket(this.peer.family)]);
    // Made before the INVITE, so RTP starts right after the ACK.
    const audio = this.options.audio ?? syntheticCallAudio();
    for (const socket of this.rtpSockets) socket.on('error', () => undefined);

    const transportParam = transport === 'tcp' ? ';transport=tcp' : '';
    this.requestUri = `sip:srs@${sipHost(to.host)}:${to.port}${transportParam}`;
    this.remoteTo = `<sip:srs@${sipHost(to.host)}:${to.port}>`;
    const final = await this.invite();
    const status = statusOf(final);
    if (status >= 300) throw new SiprecCallError(`INVITE answered ${final.startLine.slice(8)}`, status);

    const answer = answerSdp(final) ?? '';
    this.targets = streamTargets(answer, this.peer.address);
    this.log(`${final.startLine.slice(8)}: ${describeTargets(this.targets)}; ACK sent`);
    if (!this.targets.some((t) => t.sending)) {
      await this.hangUp();
      throw new SiprecCallError('the SRS answered 200 but accepted no stream', status);
    }
    const sender = this.startRtp(audio);

    const startedAt = performance.now();
    const { seconds, pause } = this.options;
    const endAt = startedAt + seconds * 1000;
    if (pause && pause.atS < seconds) {
      await sleepUntil(startedAt + pause.atS * 1000, this.ending.signal);
      if (!this.ending.signal.aborted) await this.pauseRtp(sender);
      const resumeAt = startedAt + (pause.atS + pause.forS) * 1000;
      if (resumeAt < endAt) {
        await sleepUntil(resumeAt, this.ending.signal);
        if (!this.ending.signal.aborted) await this.resumeRtp(sender);
      }
    }
    await sleepUntil(endAt, this.ending.signal);
    sender.stop();
    const packetsSent = sender.packetsSent as [number, number];
    this.log(
      `RTP stopped after ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ` +
        labels.map((label, i) => `label ${label} sent ${packetsSent[i]} packets`).join(', ') +
        (sender.droppedTicks > 0 ? ` (${sender.droppedTicks} ticks dropped: the event loop was held up)` : ''),
    );
    const endedBy = this.endedBySrs ? 'srs' : this.signal?.aborted ? 'abort' : 'time';
    const byeStatus = this.endedBySrs ? 0 : await this.hangUp();
    return { callId: this.callId, status, packetsSent, answer, endedBy, byeStatus };
  }

  private close(): void {
    this.sender?.stop();
    for (const transaction of this.transactions.values()) transaction.fail(new Error('call closed'));
    this.connection?.close();
    for (const socket of this.rtpSockets) socket.close();
  }

  // -- requests ---------------------------------------------------------------------------------

  private get local(): { address: string; port: number } {
    return this.connection!.local;
  }

  private get localUri(): string {
    return `sip:src@${sipHost(this.local.address)}`;
  }

  private request(
    method: string,
    cseq: number,
    branch: string,
    extra: Array<[string, string]> = [],
    body = '',
  ): SipMessage {
    const { transport } = this.connection!;
    const contact = `<sip:src@${sipHost(this.local.address)}:${this.local.port}${transport === 'TCP' ? ';transport=tcp' : ''}>;+sip.src`;
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/${transport} ${sipHost(this.local.address)}:${this.local.port};branch=${branch};rport`],
      ['Max-Forwards', '70'],
      ...this.routeSet.map((route): [string, string] => ['Route', route]),
      ['From', `<${this.localUri}>;tag=${this.localTag}`],
      ['To', this.remoteTo],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq} ${method}`],
      ...(method === 'INVITE' || method === 'UPDATE' ? [['Contact', contact] as [string, string]] : []),
      ['User-Agent', userAgent],
      ...extra,
    ];
    return { startLine: `${method} ${this.remoteTarget ?? this.requestUri} SIP/2.0`, headers, body };
  }

  private offer(direction: 'sendonly' | 'inactive'): string {
    return offerSdp({
      address: this.local.address,
      ports: [this.rtpSockets[0]!.address().port, this.rtpSockets[1]!.address().port],
      codec: this.options.codec,
      direction,
      sessionId: this.sdpSessionId,
      version: this.sdpVersion++,
    });
  }

  private initialInvite(cseq: number, branch: string): SipMessage {
    const host = sipHost(this.local.address);
    const boundary = `vox-sim-${randomBytes(6).toString('hex')}`;
    const metadata = recordingMetadata(
      { aor: `sip:${this.options.customer}@${host}`, name: 'Customer' },
      { aor: `sip:${this.options.agentDn}@${host}`, name: `Agent ${this.options.agentDn}` },
      new Date(),
    );
    const body = multipartBody(boundary, [
      { type: 'application/sdp', content: this.offer('sendonly') },
      { type: 'application/rs-metadata+xml', disposition: 'recording-session', content: metadata },
    ]);
    return this.request(
      'INVITE',
      cseq,
      branch,
      [
        ['Require', 'siprec'],
        ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS'],
        ['MIME-Version', '1.0'],
        ['Content-Type', `multipart/mixed;boundary=${boundary}`],
      ],
      body,
    );
  }

  /**
   * A client transaction (RFC 3261 section 17.1): over UDP the request is retransmitted (INVITE:
   * timer A, doubling until a provisional response; others: timer E, capped at T2), and it times
   * out after 64*T1 with 408. A non-2xx final response to an INVITE is ACKed within the transaction.
   */
  private transact(
    request: SipMessage,
    onProvisional: (response: SipMessage) => void = () => undefined,
  ): { response: Promise<SipMessage>; fail(error: unknown): void } {
    const connection = this.connection!;
    const branch = topViaBranch(request)!;
    const { number, method } = cseqOf(request);
    const key = `${branch} ${method}`;
    let fail: (error: unknown) => void = () => undefined;
    const response = new Promise<SipMessage>((resolve, reject) => {
      let interval = t1Ms;
      let retransmit: NodeJS.Timeout | undefined;
      const scheduleRetransmit = () => {
        retransmit = setTimeout(() => {
          connection.send(request);
          if (method === 'INVITE') this.log(`${method} retransmitted (no answer yet)`);
          interval = method === 'INVITE' ? interval * 2 : Math.min(interval * 2, t2Ms);
          scheduleRetransmit();
        }, interval);
      };
      const finish = () => {
        clearTimeout(retransmit);
        clearTimeout(timeout);
        this.transactions.delete(key);
      };
      const timeout = setTimeout(() => {
        finish();
        reject(new SiprecCallError(`no final answer to ${method} within ${transactionTimeoutMs / 1000} s`, 408));
      }, transactionTimeoutMs);
      fail = (error) => {
        finish();
        reject(error);
      };
      this.transactions.set(key, {
        onResponse: (res) => {
          const status = statusOf(res);
          if (status < 200) {
            if (method === 'INVITE') clearTimeout(retransmit);
            else if (!connection.reliable && interval < t2Ms) {
              clearTimeout(retransmit);
              interval = t2Ms;
              scheduleRetransmit();
            }
            onProvisional(res);
            return;
          }
          finish();
          if (method === 'INVITE' && status >= 300) {
            const ack = this.request('ACK', number, branch);
            // The ACK of a non-2xx goes to the INVITE's Request-URI (RFC 3261 section 17.1.1.3).
            ack.startLine = request.startLine.replace(/^INVITE/, 'ACK');
            ack.headers = ack.headers.map(([n, v]): [string, string] => [
              n,
              n === 'To' ? (sipHeader(res, 'To') ?? v) : v,
            ]);
            this.acks.set(number, ack);
            connection.send(ack);
          }
          resolve(res);
        },
        fail,
      });
      connection.send(request);
      if (!connection.reliable) scheduleRetransmit();
    });
    return { response, fail: (error) => fail(error) };
  }

  /** The initial INVITE, CANCELled when the caller gives up before it is answered. */
  private async invite(): Promise<SipMessage> {
    const cseq = ++this.cseq;
    const branch = sipBranch();
    const invite = this.initialInvite(cseq, branch);
    let provisional = false;
    let cancelled = false;
    const cancel = () => {
      if (cancelled || !provisional) return;
      cancelled = true;
      // CANCEL copies the INVITE's Request-URI, Call-ID, From, To, Route and branch (RFC 3261 section 9.1).
      void this.transact(this.request('CANCEL', cseq, branch)).response.catch(() => undefined);
      this.log('CANCEL sent');
    };
    const transaction = this.transact(invite, (response) => {
      provisional = true;
      this.log(response.startLine.slice(8));
      if (this.signal?.aborted) cancel();
    });
    const byteLength = Buffer.byteLength(formatSip(invite));
    this.log(
      `INVITE ${this.requestUri} sent over ${this.connection!.transport} (${byteLength} bytes, Call-ID ${this.callId})`,
    );
    let giveUp: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cancel();
      giveUp = setTimeout(() => transaction.fail(this.signal?.reason), cancelGraceMs);
    };
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const final = await transaction.response;
      if (statusOf(final) < 300) this.confirm(final, cseq);
      if (this.signal?.aborted) {
        if (statusOf(final) < 300) await this.hangUp();
        throw this.signal.reason;
      }
      return final;
    } finally {
      clearTimeout(giveUp);
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Takes the dialog from a 2xx to an INVITE (remote tag, target and route set) and ACKs it. */
  private confirm(response: SipMessage, cseq: number): void {
    this.remoteTo = sipHeader(response, 'To') ?? this.remoteTo;
    const contact = sipHeaderValues(response, 'Contact')[0];
    if (contact) this.remoteTarget = sipAddressUri(contact);
    if (cseq === 1) this.routeSet = sipHeaderValues(response, 'Record-Route').reverse();
    const ack = this.request('ACK', cseq, sipBranch());
    this.acks.set(cseq, ack);
    this.connection!.send(ack);
  }

  private async reInvite(direction: 'sendonly' | 'inactive'): Promise<SipMessage | undefined> {
    const cseq = ++this.cseq;
    const request = this.request(
      'INVITE',
      cseq,
      sipBranch(),
      [['Content-Type', 'application/sdp']],
      this.offer(direction),
    );
    try {
      const final = await this.transact(request).response;
      if (statusOf(final) < 300) this.confirm(final, cseq);
      return final;
    } catch (error) {
      this.log(`re-INVITE (a=${direction}) failed: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** BYE; resolves with its final status (408 when unanswered). */
  private async hangUp(): Promise<number> {
    this.log('BYE sent');
    try {
      const final = await this.transact(this.request('BYE', ++this.cseq, sipBranch())).response;
      this.log(`BYE answered ${final.startLine.slice(8)}`);
      return statusOf(final);
    } catch (error) {
      this.log(`BYE failed: ${errorMessage(error)}`);
      return error instanceof SiprecCallError ? error.status : 0;
    }
  }

  // -- what arrives -----------------------------------------------------------------------------

  private receive(message: SipMessage): void {
    if (message.startLine.startsWith('SIP/2.0')) {
      const { number, method } = cseqOf(message);
      const transaction = this.transactions.get(`${topViaBranch(message)} ${method}`);
      if (transaction) return transaction.onResponse(message);
      // A retransmitted final response to an INVITE: its ACK got lost, so it goes again.
      const ack = this.acks.get(number);
      if (method === 'INVITE' && statusOf(message) >= 200 && ack) {
        this.connection?.send(ack);
        this.log(`${message.startLine.slice(8)} again: ACK sent again`);
      }
      return;
    }
    const method = message.startLine.split(' ')[0]?.toUpperCase();
    if (method === 'ACK') return;
    const reply = (status: string, extra: Array<[string, string]> = []) =>
      this.connection?.send(sipResponse(message, status, extra));
    if (sipHeader(message, 'Call-ID') !== this.callId) return void reply('481 Call/Transaction Does Not Exist');
    if (method === 'BYE') {
      reply('200 OK');
      this.log('the SRS ended the call with BYE');
      this.endedBySrs = true;
      this.ending.abort();
    } else if (method === 'OPTIONS') {
      reply('200 OK', [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']]);
    } else {
      reply('501 Not Implemented');
    }
  }

  // -- media ------------------------------------------------------------------------------------

  private startRtp(audio: [Int16Array, Int16Array]): RtpSender {
    const { codec, digits } = this.options;
    const customer = this.targets[0]!;
    const digitPlan =
      digits && customer.sending && customer.telephoneEvent !== undefined
        ? { keys: digits, startMs: digitsStartMs, payloadType: customer.telephoneEvent }
        : undefined;
    if (digits && !digitPlan) this.log('label 1 takes no telephone-event: the digits are not sent');
    const sender = new RtpSender({
      ptimeMs,
      streams: labels.map((_, i) => ({
        codec,
        audio: audio[i]!,
        digits: i === 0 ? digitPlan : undefined,
        transmit: (packet: Buffer) => {
          const target = this.targets[i]!;
          this.rtpSockets[i]!.send(packet, target.port, target.address);
        },
      })),
    });
    this.targets.forEach((t, i) => sender.setStreamEnabled(i, t.sending));
    this.sender = sender;
    sender.start();
    const ports = this.rtpSockets.map((s) => s.address().port).join(' and ');
    this.log(
      `RTP started: ${codec}, ${ptimeMs} ms packets from ports ${ports}${digitPlan ? `, digits ${digits} from 1 s` : ''}`,
    );
    return sender;
  }

  /** Pausing is the SRC's decision: RTP stops at once; should the SRS refuse, it goes on. */
  private async pauseRtp(sender: RtpSender): Promise<void> {
    sender.pause();
    this.log('pausing: RTP stopped, re-INVITE with a=inactive sent');
    const final = await this.reInvite('inactive');
    if (final && statusOf(final) < 300) {
      this.log(`paused: re-INVITE answered ${final.startLine.slice(8)}`);
      return;
    }
    if (final) this.log(`re-INVITE answered ${final.startLine.slice(8)}: not paused, RTP goes on`);
    sender.resume();
  }

  /** Resuming waits for the answer, which may move the streams to other ports. */
  private async resumeRtp(sender: RtpSender): Promise<void> {
    this.log('resuming: re-INVITE with a=sendonly sent');
    const final = await this.reInvite('sendonly');
    if (!final || statusOf(final) >= 300) {
      if (final) this.log(`re-INVITE answered ${final.startLine.slice(8)}: staying paused`);
      return;
    }
    const sdp = answerSdp(final);
    if (sdp) this.targets = streamTargets(sdp, this.peer.address);
    this.targets.forEach((t, i) => sender.setStreamEnabled(i, t.sending));
    sender.resume();
    this.log(`resumed: ${final.startLine.slice(8)}, ${describeTargets(this.targets)}`);
  }
}

/**
 * Places one SIPREC call (RFC 7866) at an SRS, as an SBC would: INVITE with SDP and RFC 7865
 * metadata, RTP of both legs for `seconds`, an optional pause, then BYE. Rejects with a
 * SiprecCallError when the INVITE fails. Aborting `signal` before the answer CANCELs the INVITE and
 * rejects with the signal's reason; after it, the call ends early with a BYE and resolves.
 */
export function placeSiprecCall(options: SiprecCallOptions, signal?: AbortSignal): Promise<SiprecCallResult> {
  return new SiprecCall(options, signal).run();
}
