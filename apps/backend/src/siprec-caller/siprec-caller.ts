import { randomBytes, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { parse as parseSdp } from 'sdp-transform';
import { formatSip, sipBranch, sipHeader, sipResponse, sipTag, type SipMessage } from '../sip/sip-message.ts';
import { multipartParts, parseContentType } from '../siprec/siprec-offer.ts';
import { parseSipWire, sipAddressUri, sipHeaderValues, sipParam } from '../siprec/sip-wire.ts';
import { g711PayloadType, RtpSender, type G711Codec } from './rtp-sender.ts';

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
const ptimeMs = 20;
const telephoneEventPayloadType = 101;
/** RFC 4733 digits start this far into the call, once the SRS is surely recording. */
const digitsStartMs = 1000;
const userAgent = 'vox-sim siprec';
const labels = ['1', '2'] as const;

// ---------------------------------------------------------------------------------------------
// SIP transport: the SRC is a client, so it talks to one peer over one UDP socket or TCP connection.

interface SipConnection {
  readonly transport: 'UDP' | 'TCP';
  readonly reliable: boolean;
  readonly local: { address: string; port: number };
  send(message: SipMessage): void;
  close(): void;
}

interface Peer {
  address: string;
  port: number;
  family: 4 | 6;
}

/** `[::1]` for SIP URIs and Via; SDP writes IPv6 addresses bare. */
function sipHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The local address the operating system routes towards the peer from. */
async function localAddressTowards(peer: Peer): Promise<string> {
  const probe = dgram.createSocket(peer.family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(peer.port, peer.address, resolve);
    });
    return probe.address().address;
  } finally {
    probe.close();
  }
}

async function openUdp(peer: Peer, onMessage: (message: SipMessage) => void): Promise<SipConnection> {
  const socket = dgram.createSocket(peer.family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => resolve());
  });
  socket.on('error', () => undefined); // a datagram that cannot be sent is a lost one: timers retransmit
  socket.on('message', (datagram) => {
    try {
      onMessage(parseSipWire(datagram));
    } catch {
      // not SIP: ignored, as a UA ignores garbage on its port
    }
  });
  const local = { address: await localAddressTowards(peer), port: socket.address().port };
  // A datagram handed to send() is dropped when the socket closes before it went out: the last
  // ACK or BYE answer of a call would be lost, so closing waits for the sends in flight.
  let inFlight = 0;
  let closing = false;
  const sent = () => {
    if (--inFlight === 0 && closing) socket.close();
  };
  return {
    transport: 'UDP',
    reliable: false,
    local,
    send: (message) => {
      if (closing) return;
      inFlight++;
      socket.send(formatSip(message), peer.port, peer.address, sent);
    },
    close: () => {
      closing = true;
      if (inFlight === 0) socket.close();
    },
  };
}

/** Cuts a TCP byte stream into SIP messages by their Content-Length (RFC 3261 section 18.3). */
class SipStreamFramer {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    for (;;) {
      // CRLFs between messages are keep-alives.
      let start = 0;
      while (this.pending[start] === 0x0d || this.pending[start] === 0x0a) start++;
      this.pending = this.pending.subarray(start);
      const headEnd = this.pending.indexOf('\r\n\r\n');
      if (headEnd < 0) return messages;
      const head = this.pending.subarray(0, headEnd).toString('utf8');
      const length = Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
      const end = headEnd + 4 + length;
      if (this.pending.length < end) return messages;
      messages.push(this.pending.subarray(0, end));
      this.pending = this.pending.subarray(end);
    }
  }
}

async function connectTcp(peer: Peer): Promise<net.Socket> {
  const socket = net.connect({ host: peer.address, port: peer.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new SiprecCallError(
          `cannot connect to ${sipHost(peer.address)}:${peer.port} over TCP: ${error.code ?? error.message}`,
          503,
        ),
      ),
    );
    socket.once('connect', resolve);
  });
  socket.setNoDelay(true);
  return socket;
}

async function openTcp(peer: Peer, onMessage: (message: SipMessage) => void): Promise<SipConnection> {
  let socket = await connectTcp(peer);
  const attach = (s: net.Socket) => {
    const framer = new SipStreamFramer();
    s.on('error', () => undefined); // a broken connection shows as the next request going unanswered
    s.on('data', (chunk) => {
      for (const bytes of framer.push(chunk)) {
        try {
          onMessage(parseSipWire(bytes));
        } catch {
          // not SIP: skipped
        }
      }
    });
  };
  attach(socket);
  const local = { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 };
  let closed = false;
  return {
    transport: 'TCP',
    reliable: true,
    local,
    send: (message) => {
      if (!socket.destroyed && !socket.writableEnded) {
        socket.write(formatSip(message));
        return;
      }
      // The SRS closed the connection mid-call: a request opens a new one (RFC 3261 section 18.1.1).
      void connectTcp(peer).then(
        (fresh) => {
          if (closed) return void fresh.destroy();
          socket = fresh;
          attach(fresh);
          fresh.write(formatSip(message));
        },
        () => undefined,
      );
    },
    close: () => {
      closed = true;
      // Once the last request or answer is flushed; the SRS may keep its side open.
      socket.end(() => socket.destroy());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The offer: SDP with one sendonly m-line per leg, and RFC 7865 metadata naming who sends which.

interface OfferShape {
  address: string;
  ports: [number, number];
  codec: G711Codec;
  direction: 'sendonly' | 'inactive';
  sessionId: string;
  version: number;
}

function offerSdp(offer: OfferShape): string {
  const addressType = offer.address.includes(':') ? 'IP6' : 'IP4';
  const payloadType = g711PayloadType[offer.codec];
  const lines = [
    'v=0',
    `o=vox-sim ${offer.sessionId} ${offer.version} IN ${addressType} ${offer.address}`,
    's=SIPREC',
    `c=IN ${addressType} ${offer.address}`,
    't=0 0',
  ];
  labels.forEach((label, i) => {
    lines.push(
      `m=audio ${offer.ports[i]} RTP/AVP ${payloadType} ${telephoneEventPayloadType}`,
      `a=rtpmap:${payloadType} ${offer.codec}/8000`,
      `a=rtpmap:${telephoneEventPayloadType} telephone-event/8000`,
      `a=fmtp:${telephoneEventPayloadType} 0-15`,
      `a=ptime:${ptimeMs}`,
      `a=${offer.direction}`,
      `a=label:${label}`,
    );
  });
  return `${lines.join('\r\n')}\r\n`;
}

function xmlText(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

/** RFC 7865 identifiers are base64 UUIDs. */
function metadataId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64');
}

interface MetadataParty {
  aor: string;
  name: string;
}

/** RFC 7865 metadata: one session, the customer sending label 1, the agent label 2, each receiving the other's. */
function recordingMetadata(customer: MetadataParty, agent: MetadataParty, startedAt: Date): string {
  const session = metadataId();
  const parties = [customer, agent].map((party) => ({ ...party, id: metadataId(), stream: metadataId() }));
  const time = startedAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<recording xmlns="urn:ietf:params:xml:ns:recording:1">',
    '  <datamode>complete</datamode>',
    `  <session session_id="${session}">`,
    `    <start-time>${time}</start-time>`,
    '  </session>',
    ...parties.flatMap((p) => [
      `  <participant participant_id="${p.id}">`,
      `    <nameID aor="${xmlText(p.aor)}">`,
      `      <name xml:lang="en">${xmlText(p.name)}</name>`,
      '    </nameID>',
      '  </participant>',
    ]),
    ...parties.flatMap((p, i) => [
      `  <stream stream_id="${p.stream}" session_id="${session}">`,
      `    <label>${labels[i]}</label>`,
      '  </stream>',
    ]),
    `  <sessionrecordingassoc session_id="${session}">`,
    `    <associate-time>${time}</associate-time>`,
    '  </sessionrecordingassoc>',
    ...parties.flatMap((p) => [
      `  <participantsessionassoc participant_id="${p.id}" session_id="${session}">`,
      `    <associate-time>${time}</associate-time>`,
      '  </participantsessionassoc>',
    ]),
    ...parties.flatMap((p, i) => [
      `  <participantstreamassoc participant_id="${p.id}">`,
      `    <send>${p.stream}</send>`,
      `    <recv>${parties[1 - i]!.stream}</recv>`,
      '  </participantstreamassoc>',
    ]),
    '</recording>',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function multipartBody(
  boundary: string,
  parts: Array<{ type: string; disposition?: string; content: string }>,
): string {
  const rendered = parts.map((part) =>
    [
      `--${boundary}`,
      `Content-Type: ${part.type}`,
      ...(part.disposition ? [`Content-Disposition: ${part.disposition}`] : []),
      '',
      part.content,
    ].join('\r\n'),
  );
  // Each part's content ends with its own CRLF; the delimiter needs one more before it.
  return `${rendered.join('\r\n')}\r\n--${boundary}--\r\n`;
}

// ---------------------------------------------------------------------------------------------
// The answer: where each leg's RTP goes.

interface StreamTarget {
  label: string;
  address: string;
  port: number;
  /** false: refused (port 0) or made inactive */
  sending: boolean;
  /** payload type the SRS takes RFC 4733 events with; undefined: it takes none */
  telephoneEvent: number | undefined;
}

/** The SDP of a response: the body, or its application/sdp part. */
function answerSdp(response: SipMessage): string | undefined {
  const contentType = parseContentType(sipHeader(response, 'Content-Type') ?? '');
  if (contentType.type === 'application/sdp') return response.body;
  const boundary = contentType.params.get('boundary');
  if (!contentType.type.startsWith('multipart/') || !boundary) return undefined;
  return multipartParts(response.body, boundary).find(
    (part) => parseContentType(part.headers.get('content-type') ?? '').type === 'application/sdp',
  )?.content;
}

/** The answer's m-line for each of our legs: by a=label when the SRS echoes them, else by position. */
function streamTargets(sdp: string, fallbackAddress: string): StreamTarget[] {
  const session = parseSdp(sdp);
  return labels.map((label, i) => {
    const media = session.media.find((m) => String(m.label ?? '') === label) ?? session.media[i];
    if (!media) return { label, address: fallbackAddress, port: 0, sending: false, telephoneEvent: undefined };
    const direction = media.direction ?? session.direction;
    const telephoneEvent = media.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event')?.payload;
    return {
      label,
      address: media.connection?.ip ?? session.connection?.ip ?? fallbackAddress,
      port: media.port,
      sending: media.port !== 0 && direction !== 'inactive',
      telephoneEvent,
    };
  });
}

function describeTargets(targets: StreamTarget[]): string {
  return targets
    .map((t) =>
      t.port === 0
        ? `label ${t.label} refused (port 0)`
        : `label ${t.label} -> ${sipHost(t.address)}:${t.port}${t.sending ? '' : ' (inactive)'}`,
    )
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Generated audio: without WAV files, each leg gets a voice of its own, taking turns.

const vowelFormants: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [300, 870, 2240],
  [530, 1840, 2480],
  [570, 840, 2410],
];
const turnSeconds = 2.5;
const syllableSeconds = 0.22;

/**
 * Ten seconds of a buzzing, vowel-shaped voice at `pitchHz`, speaking during every other turn of
 * 2.5 s (`speaksFirst`: the first), in syllables of 220 ms; a faint line noise otherwise, as a
 * real line is never digitally silent. A harmonic series through three formant resonances per
 * vowel is enough for voice activity detection and for a listener to tell the legs apart.
 */
function syntheticVoice(pitchHz: number, speaksFirst: boolean, vowelOffset: number): Int16Array {
  const rate = 8000;
  const voice = new Float32Array(rate * 10);
  let phase = 0;
  let seed = 0x2545f491 + vowelOffset;
  let peak = 0;
  for (let n = 0; n < voice.length; n++) {
    const t = n / rate;
    const turn = Math.floor(t / turnSeconds);
    const inTurn = t - turn * turnSeconds;
    const speaking = turn % 2 === (speaksFirst ? 0 : 1) && inTurn < turnSeconds - 0.3;
    if (!speaking) continue;
    const syllable = Math.floor(inTurn / syllableSeconds);
    const envelope = Math.sin((Math.PI * (inTurn - syllable * syllableSeconds)) / syllableSeconds) ** 2;
    // A falling intonation over the turn, with a slow wobble.
    const f0 = pitchHz * (1 + 0.06 * Math.sin(2 * Math.PI * 0.9 * t) - 0.1 * (inTurn / turnSeconds));
    phase = (phase + (2 * Math.PI * f0) / rate) % (2 * Math.PI);
    const formants = vowelFormants[(syllable + vowelOffset + turn) % vowelFormants.length]!;
    // sin(k * phase) for k = 1, 2, ... by the Chebyshev recurrence.
    const twoCos = 2 * Math.cos(phase);
    let previous = 0;
    let current = Math.sin(phase);
    let sample = 0;
    for (let k = 1; k * f0 < 3600; k++) {
      const frequency = k * f0;
      let gain = 0.15;
      for (const formant of formants) gain += 1 / (1 + ((frequency - formant) / 90) ** 2);
      sample += (gain / k) * current;
      const next = twoCos * current - previous;
      previous = current;
      current = next;
    }
    voice[n] = sample * envelope;
    peak = Math.max(peak, Math.abs(voice[n]!));
  }
  const out = new Int16Array(voice.length);
  for (let n = 0; n < voice.length; n++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const noise = (seed / 2 ** 32 - 0.5) * 40;
    out[n] = Math.round((voice[n]! / peak) * 9000 + noise);
  }
  return out;
}

let generatedAudio: [Int16Array, Int16Array] | undefined;

/** The customer's (lower voice, speaks first) and the agent's generated audio, made once per process. */
export function syntheticCallAudio(): [Int16Array, Int16Array] {
  generatedAudio ??= [syntheticVoice(115, true, 0), syntheticVoice(205, false, 2)];
  return generatedAudio;
}

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
    this.connection = await (transport === 'tcp' ? openTcp : openUdp)(this.peer, onMessage);
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
      this.log(`re-INVITE (a=${direction}) failed: ${error instanceof Error ? error.message : String(error)}`);
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
      this.log(`BYE failed: ${error instanceof Error ? error.message : String(error)}`);
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
