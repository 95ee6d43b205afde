import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { parse as parseSdp, type SessionDescription } from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingListSchema, type Recording } from '@vox/shared';
import { formatSip, parseSip, sipHeader, type SipMessage } from '../sip/sip-message.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { readVendorInvite, vendorInviteNames } from './vendor-invites/vendor-invite-fixtures.ts';

/**
 * The SIPREC server as an SBC meets it: the real backend, and a small SRC in the test speaking SIP
 * over real UDP and TCP sockets and sending RTP to the answered ports.
 */

const rtpPorts = { first: 42000, last: 42199 };
const rtpTimeoutMs = 2000;
/** Codecs Vox records; an answer never names another. */
const recordedCodecs = ['PCMU', 'PCMA', 'G722'];

let vox: VoxTestBackend;
let sipPort: number;
/** Recordings of this run start after this (the list is asked from then on). */
const runStart = new Date(Date.now() - 60_000).toISOString();

beforeAll(async () => {
  vox = await VoxTestBackend.start({ VOX_RTP_PORTS: `${rtpPorts.first}-${rtpPorts.last}`, VOX_RTP_TIMEOUT_S: '2' });
  sipPort = vox.vox.sipPort!;
});

afterAll(async () => {
  await vox?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function unique(): string {
  return randomBytes(6).toString('hex');
}

function newBranch(): string {
  return `z9hG4bK-test-${unique()}`;
}

// --- The SRC's SIP socket -----------------------------------------------------------------------

type Transport = 'udp' | 'tcp';

/** One SRC socket towards Vox: sends SIP text, keeps every message Vox sends back with its arrival time. */
class SrcSocket {
  readonly received: Array<{ message: SipMessage; at: number }> = [];
  private readonly taken = new Set<number>();
  private readonly arrivals = new Set<() => void>();

  private constructor(
    readonly transport: Transport,
    private readonly write: (text: string) => void,
    private readonly closer: () => void,
    readonly localPort: number,
  ) {}

  static async open(transport: Transport): Promise<SrcSocket> {
    if (transport === 'udp') {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const src = new SrcSocket(
        'udp',
        (text) => socket.send(text, sipPort, '127.0.0.1'),
        () => socket.close(),
        socket.address().port,
      );
      socket.on('message', (datagram) => src.receive(datagram.toString('utf8')));
      return src;
    }
    const socket = net.connect(sipPort, '127.0.0.1');
    await once(socket, 'connect');
    const src = new SrcSocket(
      'tcp',
      (text) => socket.write(text),
      () => socket.destroy(),
      socket.localPort!,
    );
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/^content-length:\s*(\d+)/im.exec(buffered.slice(0, end))?.[1] ?? 0);
        // Vox's messages are ASCII apart from bodies it echoes; those are ASCII in these fixtures.
        if (buffered.length < end + 4 + length) return;
        src.receive(buffered.slice(0, end + 4 + length));
        buffered = buffered.slice(end + 4 + length);
      }
    });
    return src;
  }

  send(text: string): void {
    this.write(text);
  }

  close(): void {
    this.closer();
  }

  /** The first message not yet taken that `match` accepts, waiting up to `timeoutMs` for it. */
  async next(match: (message: SipMessage) => boolean, timeoutMs = 3000): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((r, i) => !this.taken.has(i) && match(r.message));
      if (index >= 0) {
        this.taken.add(index);
        return this.received[index]!.message;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.received.map((r) => `${r.message.startLine} (${sipHeader(r.message, 'CSeq')})`);
        throw new Error(`no such SIP message within ${timeoutMs} ms; received: ${seen.join('; ') || 'nothing'}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, left);
        const arrivals = this.arrivals;
        function wake(): void {
          clearTimeout(timer);
          arrivals.delete(wake);
          resolve();
        }
        arrivals.add(wake);
      });
    }
  }

  private receive(text: string): void {
    this.received.push({ message: parseSip(text), at: Date.now() });
    for (const wake of [...this.arrivals]) wake();
  }
}

function statusOf(message: SipMessage): number {
  return /^SIP\/2\.0 (\d{3})/.exec(message.startLine) ? Number(message.startLine.slice(8, 11)) : 0;
}

function cseqOf(message: SipMessage): { number: number; method: string } {
  const [number = '', method = ''] = (sipHeader(message, 'CSeq') ?? '').split(/\s+/);
  return { number: Number(number), method };
}

function tagOf(headerValue: string | undefined): string | undefined {
  return /;\s*tag=([^;\s]+)/i.exec(headerValue ?? '')?.[1];
}

/** Vox's answers to one of the SRC's requests (`status` undefined: any final one). */
function answerTo(callId: string, method: string, status?: number): (message: SipMessage) => boolean {
  return (message) =>
    statusOf(message) !== 0 &&
    sipHeader(message, 'Call-ID') === callId &&
    cseqOf(message).method === method &&
    (status === undefined ? statusOf(message) >= 200 : statusOf(message) === status);
}

function requestOf(callId: string, method: string): (message: SipMessage) => boolean {
  return (message) => message.startLine.startsWith(`${method} `) && sipHeader(message, 'Call-ID') === callId;
}

// --- The SRC's requests ---------------------------------------------------------------------------

/** Replaces (or adds, or with `undefined` removes) a header of a raw SIP message. */
function withHeader(raw: string, name: string, value: string | undefined): string {
  const split = raw.indexOf('\r\n\r\n');
  const lines = raw.slice(0, split).split('\r\n');
  const at = lines.findIndex((line, i) => i > 0 && line.split(':')[0]!.trim().toLowerCase() === name.toLowerCase());
  if (value === undefined) {
    if (at > 0) lines.splice(at, 1);
  } else if (at > 0) {
    lines[at] = `${name}: ${value}`;
  } else {
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}${raw.slice(split)}`;
}

function withBody(raw: string, body: string): string {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return withHeader(`${head}\r\n\r\n${body}`, 'Content-Length', String(Buffer.byteLength(body)));
}

/** The SDP part of a fixture's body. */
function offeredSdp(body: string): SessionDescription {
  const start = body.indexOf('v=0');
  const end = body.indexOf('\r\n--', start);
  return parseSdp(body.slice(start, end < 0 ? undefined : end));
}

/** A vendor's INVITE as this run sends it: its own Call-ID and branch, the test socket in the Via. */
interface SrcInvite {
  name: string;
  raw: string;
  callId: string;
  branch: string;
  cseq: number;
  from: string;
  to: string;
  requestUri: string;
  offer: SessionDescription;
}

function vendorInvite(name: string, socket: SrcSocket): SrcInvite {
  const fixture = readVendorInvite(name);
  const callId = `${name}-${unique()}@vox-test`;
  const branch = newBranch();
  let raw = withHeader(
    fixture.raw,
    'Via',
    `SIP/2.0/${socket.transport.toUpperCase()} 127.0.0.1:${socket.localPort};branch=${branch};rport`,
  );
  raw = withHeader(raw, 'Call-ID', callId);
  return {
    name,
    raw,
    callId,
    branch,
    cseq: Number.parseInt(fixture.headers.get('cseq') ?? '', 10),
    from: fixture.headers.get('from')!,
    to: fixture.headers.get('to')!,
    requestUri: fixture.raw.split('\r\n')[0]!.split(' ')[1]!,
    offer: offeredSdp(fixture.body),
  };
}

/** An answered session: the dialog as the SRC keeps it. */
interface SrcSession {
  socket: SrcSocket;
  invite: SrcInvite;
  answer: SipMessage;
  answerSdp: SessionDescription;
  /** Vox's To, with its tag */
  to: string;
  /** Vox's Contact URI: in-dialog requests go there */
  target: string;
  cseq: number;
}

function inDialogRequest(session: SrcSession, method: string, cseq: number, body = '', contentType?: string): string {
  const { socket, invite } = session;
  return formatSip({
    startLine: `${method} ${session.target} SIP/2.0`,
    headers: [
      ['Via', `SIP/2.0/${socket.transport.toUpperCase()} 127.0.0.1:${socket.localPort};branch=${newBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', invite.from],
      ['To', session.to],
      ['Call-ID', invite.callId],
      ['CSeq', `${cseq} ${method}`],
      ['Contact', `<sip:src@127.0.0.1:${socket.localPort}>;+sip.src`],
      ...(contentType ? [['Content-Type', contentType] as [string, string]] : []),
    ],
    body,
  });
}

function sessionOf(socket: SrcSocket, invite: SrcInvite, answer: SipMessage): SrcSession {
  const contact = sipHeader(answer, 'Contact') ?? '';
  return {
    socket,
    invite,
    answer,
    answerSdp: parseSdp(answer.body),
    to: sipHeader(answer, 'To')!,
    target: /<([^>]+)>/.exec(contact)?.[1] ?? invite.requestUri,
    cseq: invite.cseq,
  };
}

/** INVITE, 200 OK, ACK. */
async function answeredSession(socket: SrcSocket, name: string): Promise<SrcSession> {
  const invite = vendorInvite(name, socket);
  socket.send(invite.raw);
  const answer = await socket.next(answerTo(invite.callId, 'INVITE'), 5000);
  expect(answer.startLine).toBe('SIP/2.0 200 OK');
  const session = sessionOf(socket, invite, answer);
  ack(session, invite.cseq);
  return session;
}

function ack(session: SrcSession, cseq: number): void {
  session.socket.send(inDialogRequest(session, 'ACK', cseq));
}

/** The SRC ends the session; Vox answers 200. */
async function bye(session: SrcSession): Promise<void> {
  session.cseq++;
  session.socket.send(inDialogRequest(session, 'BYE', session.cseq));
  const answer = await session.socket.next(answerTo(session.invite.callId, 'BYE'));
  expect(answer.startLine, `the BYE of ${session.invite.name} over ${session.socket.transport}`).toBe('SIP/2.0 200 OK');
}

/** A re-INVITE carrying the original offer with every stream's direction set to `direction`. */
async function reinvite(session: SrcSession, direction: 'inactive' | 'sendonly'): Promise<SipMessage> {
  const fixture = readVendorInvite(session.invite.name);
  session.cseq++;
  const body = fixture.body.replace(/^a=(sendonly|inactive)\r?$/gm, `a=${direction}\r`);
  session.socket.send(inDialogRequest(session, 'INVITE', session.cseq, body, fixture.headers.get('content-type')));
  const answer = await session.socket.next(answerTo(session.invite.callId, 'INVITE'));
  ack(session, session.cseq);
  return answer;
}

// --- RTP -----------------------------------------------------------------------------------------

/** An SRC's RTP: PCMU silence on each stream, sequence and timestamp running on as a real SRC's do. */
class RtpSource {
  private readonly socket = dgram.createSocket('udp4');
  private readonly streams: Array<{ port: number; ssrc: number; sequence: number; timestamp: number }>;
  lastSentAt = 0;

  constructor(ports: number[]) {
    this.streams = ports.map((port) => ({
      port,
      ssrc: randomBytes(4).readUInt32BE(0),
      sequence: randomBytes(2).readUInt16BE(0),
      timestamp: randomBytes(4).readUInt32BE(0),
    }));
  }

  /** `packets` 20 ms packets on every stream, paced in real time. */
  async send(packets: number): Promise<void> {
    const payload = Buffer.alloc(160, 0xff);
    for (let n = 0; n < packets; n++) {
      for (const stream of this.streams) {
        const header = Buffer.alloc(12);
        header[0] = 0x80;
        header[1] = n === 0 ? 0x80 : 0; // PCMU, marker on the first packet of a talk spurt
        header.writeUInt16BE(stream.sequence, 2);
        header.writeUInt32BE(stream.timestamp >>> 0, 4);
        header.writeUInt32BE(stream.ssrc, 8);
        this.socket.send(Buffer.concat([header, payload]), stream.port, '127.0.0.1');
        stream.sequence = (stream.sequence + 1) & 0xffff;
        stream.timestamp = (stream.timestamp + 160) >>> 0;
      }
      this.lastSentAt = Date.now();
      await sleep(20);
    }
  }

  /** Silence on the wire: the timestamps move on with the clock. */
  skip(ms: number): void {
    for (const stream of this.streams) stream.timestamp = (stream.timestamp + ms * 8) >>> 0;
  }

  close(): void {
    this.socket.close();
  }
}

function answeredPorts(session: SrcSession): number[] {
  return session.answerSdp.media.map((m) => m.port).filter((port) => port !== 0);
}

// --- Recordings --------------------------------------------------------------------------------------

async function listRecordings(): Promise<Recording[]> {
  const token = await vox.token('admin');
  const { status, body } = await vox.call(
    'GET',
    `/api/v2/recordings?from=${encodeURIComponent(runStart)}&limit=200`,
    undefined,
    token,
  );
  expect(status).toBe(200);
  return recordingListSchema.parse(body).recordings;
}

function recordingsOf(recordings: Recording[], callId: string): Recording[] {
  return recordings.filter((r) => r.attachedData['siprec.callId'] === callId);
}

/** Waits until every Call-ID has a stored recording; returns them by Call-ID. */
async function storedRecordings(callIds: string[], timeoutMs = 10_000): Promise<Map<string, Recording[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = await listRecordings();
    const found = new Map(
      callIds.map((id) => [id, recordingsOf(listed, id).filter((r) => r.mediaFiles.length > 0)] as const),
    );
    const missing = callIds.filter((id) => found.get(id)!.length === 0);
    if (missing.length === 0) return found;
    if (Date.now() > deadline) throw new Error(`no recording after ${timeoutMs} ms for ${missing.join(', ')}`);
    await sleep(200);
  }
}

async function storedRecording(callId: string): Promise<Recording> {
  const [recording] = (await storedRecordings([callId])).get(callId)!;
  return recording!;
}

/**
 * None of `callIds` left a recording: checked once a session ended after them is stored, since
 * anything they had left would have been stored first.
 */
async function expectNoRecordings(callIds: string[]): Promise<void> {
  const socket = await SrcSocket.open('udp');
  try {
    const sentinel = await answeredSession(socket, 'cisco-cube-no-metadata');
    await bye(sentinel);
    await storedRecordings([sentinel.invite.callId]);
  } finally {
    socket.close();
  }
  const listed = await listRecordings();
  expect(listed.filter((r) => callIds.includes(r.attachedData['siprec.callId'] ?? ''))).toEqual([]);
}

// --- The tests ----------------------------------------------------------------------------------------

/** Offers Vox turns down, and what the Warning must say. */
const refusals: Record<string, RegExp> = {
  'g729-only': /codec/i,
  'srtp-offer': /SRTP/,
};

describe('SIPREC server: vendor INVITEs', () => {
  const runs: Array<{ name: string; transport: Transport }> = [
    ...vendorInviteNames().map((name) => ({ name, transport: 'udp' as const })),
    ...['rfc7865-generic', 'oracle-acme-draft', 'avaya-three-streams', 'srtp-offer'].map((name) => ({
      name,
      transport: 'tcp' as const,
    })),
  ];

  it('has the vendor forms to try', () => {
    expect(vendorInviteNames()).toEqual(
      expect.arrayContaining(['avaya-three-streams', 'all-inactive', ...Object.keys(refusals)]),
    );
  });

  it('answers every recordable vendor offer as RFC 7866 asks, refuses the others with a reason, and records over UDP and TCP', async () => {
    const answered = await Promise.all(
      runs.map(async ({ name, transport }) => {
        const socket = await SrcSocket.open(transport);
        try {
          const invite = vendorInvite(name, socket);
          socket.send(invite.raw);
          const trying = await socket.next(answerTo(invite.callId, 'INVITE', 100));
          expect(trying.startLine).toBe('SIP/2.0 100 Trying');
          const final = await socket.next(answerTo(invite.callId, 'INVITE'), 5000);
          const refusal = refusals[name];
          if (refusal) {
            expect(final.startLine, `${name} over ${transport}`).toBe('SIP/2.0 488 Not Acceptable Here');
            expect(sipHeader(final, 'Warning')).toMatch(/^399 \S+ ".+"$/);
            expect(sipHeader(final, 'Warning')).toMatch(refusal);
            return undefined;
          }
          expect(final.startLine, `${name} over ${transport}`).toBe('SIP/2.0 200 OK');
          expect(tagOf(sipHeader(final, 'To'))).toBeTruthy();
          expect(sipHeader(final, 'Content-Type')).toBe('application/sdp');
          const session = sessionOf(socket, invite, final);
          expectAnswerFits(name, invite.offer, session.answerSdp);
          ack(session, invite.cseq);
          await bye(session);
          return invite.callId;
        } finally {
          socket.close();
        }
      }),
    );
    const callIds = answered.filter((id): id is string => id !== undefined);
    expect(callIds).toHaveLength(runs.length - runs.filter((r) => refusals[r.name]).length);
    const recordings = await storedRecordings(callIds);
    for (const callId of callIds) {
      const [recording, ...others] = recordings.get(callId)!;
      expect(others).toEqual([]);
      expect(recording!.origin).toBe('siprec');
    }
  });
});

/** The answer to a vendor's offer: its m-lines in order, labels echoed, recvonly, ports in pairs, a codec it offered. */
function expectAnswerFits(name: string, offer: SessionDescription, answer: SessionDescription): void {
  const because = `the answer to ${name}`;
  expect(
    answer.media.map((m) => m.type),
    because,
  ).toEqual(offer.media.map((m) => m.type));
  expect(
    answer.media.map((m) => String(m.label)),
    because,
  ).toEqual(offer.media.map((m) => String(m.label)));
  expect(answer.connection?.ip ?? answer.media[0]!.connection?.ip, because).toBe('127.0.0.1');
  // Vox records the first two streams; any more (Avaya's mixed one) is refused with port 0.
  const recorded = answer.media.slice(0, 2);
  const [first, second] = recorded.map((m) => m.port);
  expect(first! % 2, because).toBe(0);
  expect(first, because).toBeGreaterThanOrEqual(rtpPorts.first);
  expect(second, because).toBeLessThanOrEqual(rtpPorts.last);
  expect(second, because).toBe(first! + 2);
  expect(
    answer.media.slice(2).map((m) => m.port),
    because,
  ).toEqual(offer.media.slice(2).map(() => 0));
  const direction = name === 'all-inactive' ? 'inactive' : 'recvonly';
  expect(
    recorded.map((m) => m.direction),
    because,
  ).toEqual([direction, direction]);
  recorded.forEach((media, i) => {
    const offered = offer.media[i]!;
    const payloadType = Number(String(media.payloads).split(' ')[0]);
    const codec = media.rtp.find((r) => r.payload === payloadType)?.codec.toUpperCase();
    const offeredCodec = offered.rtp.find((r) => r.payload === payloadType)?.codec.toUpperCase();
    const offeredTypes = String(offered.payloads).split(' ').map(Number);
    expect(offeredTypes, because).toContain(payloadType);
    expect(recordedCodecs, because).toContain(codec);
    expect(codec, because).toBe(offeredCodec ?? codec);
  });
  if (name === 'avaya-three-streams') expect(answer.media).toHaveLength(3);
}

describe('SIPREC server: requests it refuses', () => {
  it('refuses what is not a SIPREC offer, drops garbage, answers OPTIONS and unknown BYEs, and records none of it', async () => {
    const socket = await SrcSocket.open('udp');
    const tcp = await SrcSocket.open('tcp');
    const callIds: string[] = [];
    try {
      const refused = async (edit: (raw: string) => string): Promise<SipMessage> => {
        const invite = vendorInvite('rfc7865-generic', socket);
        callIds.push(invite.callId);
        socket.send(edit(invite.raw));
        return socket.next(answerTo(invite.callId, 'INVITE'));
      };

      const plainCall = await refused((raw) =>
        withHeader(withHeader(raw, 'Require', undefined), 'Contact', '<sip:src@10.0.0.10:5060>'),
      );
      expect(plainCall.startLine).toBe('SIP/2.0 421 Extension Required');
      expect(sipHeader(plainCall, 'Require')).toBe('siprec');

      const noBoundary = await refused((raw) => withHeader(raw, 'Content-Type', 'multipart/mixed'));
      expect(noBoundary.startLine).toBe('SIP/2.0 400 Bad Request');
      expect(sipHeader(noBoundary, 'Warning')).toMatch(/boundary/);

      const text = await refused((raw) => withBody(withHeader(raw, 'Content-Type', 'text/plain'), 'record me\r\n'));
      expect(text.startLine).toBe('SIP/2.0 415 Unsupported Media Type');

      const unknownBye = `bye-${unique()}@vox-test`;
      callIds.push(unknownBye);
      socket.send(
        formatSip({
          startLine: 'BYE sip:vox-srs@127.0.0.1 SIP/2.0',
          headers: [
            ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.localPort};branch=${newBranch()}`],
            ['From', `<sip:src@127.0.0.1>;tag=${unique()}`],
            ['To', `<sip:vox-srs@127.0.0.1>;tag=${unique()}`],
            ['Call-ID', unknownBye],
            ['CSeq', '2 BYE'],
          ],
          body: '',
        }),
      );
      expect((await socket.next(answerTo(unknownBye, 'BYE'))).startLine).toBe(
        'SIP/2.0 481 Call/Transaction Does Not Exist',
      );

      // Garbage on either transport gets no answer, and the server goes on answering.
      const garbage = `HELLO THERE\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=${newBranch()}\r\nContent-Length: 0\r\n\r\n`;
      const answered = socket.received.length;
      socket.send(garbage);
      tcp.send(garbage);
      await sleep(400);
      expect(socket.received).toHaveLength(answered);
      expect(tcp.received).toEqual([]);
      for (const src of [socket, tcp]) {
        const optionsId = `options-${unique()}@vox-test`;
        src.send(
          formatSip({
            startLine: 'OPTIONS sip:vox-srs@127.0.0.1 SIP/2.0',
            headers: [
              ['Via', `SIP/2.0/${src.transport.toUpperCase()} 127.0.0.1:${src.localPort};branch=${newBranch()}`],
              ['From', `<sip:src@127.0.0.1>;tag=${unique()}`],
              ['To', '<sip:vox-srs@127.0.0.1>'],
              ['Call-ID', optionsId],
              ['CSeq', '1 OPTIONS'],
            ],
            body: '',
          }),
        );
        const options = await src.next(answerTo(optionsId, 'OPTIONS'));
        expect(options.startLine).toBe('SIP/2.0 200 OK');
        const allowed = (sipHeader(options, 'Allow') ?? '').split(/\s*,\s*/);
        expect(allowed).toEqual(expect.arrayContaining(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS']));
      }
    } finally {
      socket.close();
      tcp.close();
    }
    await expectNoRecordings(callIds);
  });
});

describe('SIPREC server: retransmissions over UDP', () => {
  it('sends the 200 OK again until the ACK, doubling from 500 ms, and answers a repeated INVITE the same way', async () => {
    const socket = await SrcSocket.open('udp');
    try {
      const invite = vendorInvite('rfc7865-generic', socket);
      socket.send(invite.raw);
      const first = await socket.next(answerTo(invite.callId, 'INVITE'), 5000);
      expect(first.startLine).toBe('SIP/2.0 200 OK');
      const firstAt = socket.received.find((r) => r.message === first)!.at;
      await sleep(2200 - (Date.now() - firstAt));
      const oks = socket.received.filter((r) => answerTo(invite.callId, 'INVITE', 200)(r.message));
      expect(oks.length).toBeGreaterThanOrEqual(3);
      const gaps = oks.slice(1, 3).map((r, i) => r.at - oks[i]!.at);
      // Timer G: T1 = 500 ms, then doubling (timers may run late on a busy machine, never early).
      expect(gaps[0]).toBeGreaterThanOrEqual(450);
      expect(gaps[0]).toBeLessThanOrEqual(850);
      expect(gaps[1]).toBeGreaterThanOrEqual(950);
      expect(gaps[1]).toBeLessThanOrEqual(1400);
      for (const ok of oks) expect(ok.message.body).toBe(first.body);
      const tag = tagOf(sipHeader(first, 'To'));
      expect(oks.map((r) => tagOf(sipHeader(r.message, 'To')))).toEqual(oks.map(() => tag));

      // The SRC did not hear the 200 and sends its INVITE again (same branch): the same answer, at once.
      const resentAt = Date.now();
      socket.send(invite.raw);
      await sleep(300);
      const again = socket.received.filter(
        (r) => answerTo(invite.callId, 'INVITE', 200)(r.message) && r.at >= resentAt,
      );
      expect(again.length).toBeGreaterThanOrEqual(1);
      expect(tagOf(sipHeader(again[0]!.message, 'To'))).toBe(tag);
      expect(again[0]!.message.body).toBe(first.body);

      const session = sessionOf(socket, invite, first);
      ack(session, invite.cseq);
      await bye(session);
      await storedRecordings([invite.callId]);
      expect(recordingsOf(await listRecordings(), invite.callId)).toHaveLength(1);
    } finally {
      socket.close();
    }
  });
});

describe('SIPREC server: CANCEL', () => {
  it('a CANCEL right behind the INVITE ends it with 487 and nothing is recorded', async () => {
    const socket = await SrcSocket.open('udp');
    let callId: string;
    try {
      const invite = vendorInvite('rfc7865-generic', socket);
      callId = invite.callId;
      socket.send(invite.raw);
      socket.send(
        formatSip({
          startLine: `CANCEL ${invite.requestUri} SIP/2.0`,
          headers: [
            ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.localPort};branch=${invite.branch};rport`],
            ['Max-Forwards', '70'],
            ['From', invite.from],
            ['To', invite.to],
            ['Call-ID', invite.callId],
            ['CSeq', `${invite.cseq} CANCEL`],
          ],
          body: '',
        }),
      );
      expect((await socket.next(answerTo(callId, 'CANCEL'))).startLine).toBe('SIP/2.0 200 OK');
      const final = await socket.next(answerTo(callId, 'INVITE'), 5000);
      expect(final.startLine).toBe('SIP/2.0 487 Request Terminated');
      await expectNoRecordings([callId]);
      // Nor did an answer follow the 487.
      expect(socket.received.filter((r) => answerTo(callId, 'INVITE', 200)(r.message))).toEqual([]);
    } finally {
      socket.close();
    }
  });
});

describe('SIPREC server: an SRC that goes silent', () => {
  it('ends the session with a BYE once no RTP came for the RTP timeout, and stores the recording as interrupted', async () => {
    const socket = await SrcSocket.open('udp');
    const session = await answeredSession(socket, 'rfc7865-generic');
    const rtp = new RtpSource(answeredPorts(session));
    try {
      expect(answeredPorts(session)).toHaveLength(2);
      await rtp.send(10);
      const byeRequest = await socket.next(requestOf(session.invite.callId, 'BYE'), 5000);
      const byeAt = socket.received.find((r) => r.message === byeRequest)!.at;
      const silentMs = byeAt - rtp.lastSentAt;
      expect(silentMs).toBeGreaterThanOrEqual(rtpTimeoutMs - 100);
      expect(silentMs).toBeLessThanOrEqual(rtpTimeoutMs + 2500);
      // Vox's BYE is in the dialog: its From is Vox's To, its To the SRC's From.
      expect(tagOf(sipHeader(byeRequest, 'From'))).toBe(tagOf(session.to));
      expect(tagOf(sipHeader(byeRequest, 'To'))).toBe(tagOf(session.invite.from));
      expect(cseqOf(byeRequest).method).toBe('BYE');
      // The ACK stopped the 200's retransmissions.
      expect(socket.received.filter((r) => answerTo(session.invite.callId, 'INVITE', 200)(r.message))).toHaveLength(1);
      socket.send(
        formatSip({
          startLine: 'SIP/2.0 200 OK',
          headers: byeRequest.headers.filter(([n]) =>
            ['via', 'from', 'to', 'call-id', 'cseq'].includes(n.toLowerCase()),
          ),
          body: '',
        }),
      );

      const recording = await storedRecording(session.invite.callId);
      expect(recording.attachedData['vox.interrupted']).toBe('rtp-timeout');
      const stopped = recording.eventHistory.find((e) => e.event === 'RecordingStopped');
      expect(stopped?.detail).toMatch(/interrupted/);
    } finally {
      rtp.close();
      socket.close();
    }
  });
});

describe('SIPREC server: pause and resume by re-INVITE', () => {
  it('pauses while the SRC sets the streams inactive, longer than the RTP timeout, and resumes on sendonly', async () => {
    const socket = await SrcSocket.open('udp');
    const session = await answeredSession(socket, 'rfc7865-generic');
    const ports = answeredPorts(session);
    const rtp = new RtpSource(ports);
    try {
      await rtp.send(25);

      const pausedAt = Date.now();
      const paused = await reinvite(session, 'inactive');
      expect(paused.startLine).toBe('SIP/2.0 200 OK');
      expect(tagOf(sipHeader(paused, 'To'))).toBe(tagOf(session.to));
      const pausedSdp = parseSdp(paused.body);
      expect(pausedSdp.media.map((m) => String(m.label))).toEqual(['1', '2']);
      expect(pausedSdp.media.map((m) => m.direction)).toEqual(['inactive', 'inactive']);
      expect(pausedSdp.media.map((m) => m.port)).toEqual(ports);

      // Paused streams carry no RTP (RFC 7866 section 7.1.2): a pause longer than the RTP timeout is no timeout.
      const pauseMs = rtpTimeoutMs + 600;
      await sleep(pauseMs);
      rtp.skip(pauseMs);

      const resumedAt = Date.now();
      const resumed = await reinvite(session, 'sendonly');
      expect(resumed.startLine).toBe('SIP/2.0 200 OK');
      const resumedSdp = parseSdp(resumed.body);
      expect(resumedSdp.media.map((m) => String(m.label))).toEqual(['1', '2']);
      expect(resumedSdp.media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
      expect(resumedSdp.media.map((m) => m.port)).toEqual(ports);
      await rtp.send(25);
      expect(socket.received.filter((r) => requestOf(session.invite.callId, 'BYE')(r.message))).toEqual([]);
      await bye(session);

      const recording = await storedRecording(session.invite.callId);
      expect(recording.attachedData['vox.interrupted']).toBeUndefined();
      const mp3 = recording.mediaFiles.find((f) => f.type === 'audio/mp3')!;
      expect(mp3.pauses).toHaveLength(1);
      expect(Math.abs(mp3.pauses[0]!.duration - (resumedAt - pausedAt))).toBeLessThanOrEqual(300);
      const events = recording.eventHistory.map((e) => e.event);
      expect(events.indexOf('RecordingPaused')).toBeGreaterThan(-1);
      expect(events.indexOf('RecordingResumed')).toBeGreaterThan(events.indexOf('RecordingPaused'));
    } finally {
      rtp.close();
      socket.close();
    }
  });

  it('answers a re-INVITE that adds a stream, refusing the new one with port 0', async () => {
    const socket = await SrcSocket.open('udp');
    const session = await answeredSession(socket, 'rfc7865-generic');
    try {
      const fixture = readVendorInvite('rfc7865-generic');
      const added = 'm=audio 40004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=label:3\r\na=sendonly\r\n';
      const body = fixture.body.replace(/(a=label:2\r\na=sendonly\r\n)/, `$1${added}`);
      expect(body).toContain('a=label:3');
      session.cseq++;
      socket.send(inDialogRequest(session, 'INVITE', session.cseq, body, fixture.headers.get('content-type')));
      const answer = await socket.next(answerTo(session.invite.callId, 'INVITE'));
      expect(answer.startLine).toBe('SIP/2.0 200 OK');
      ack(session, session.cseq);
      const sdp = parseSdp(answer.body);
      expect(sdp.media.map((m) => String(m.label))).toEqual(['1', '2', '3']);
      expect(sdp.media.map((m) => m.port)).toEqual([...answeredPorts(session), 0]);

      // An offer may not drop an m-line it once had (RFC 3264 section 8).
      session.cseq++;
      socket.send(inDialogRequest(session, 'INVITE', session.cseq, fixture.body, fixture.headers.get('content-type')));
      const fewer = await socket.next(answerTo(session.invite.callId, 'INVITE'));
      expect(fewer.startLine).toBe('SIP/2.0 400 Bad Request');
      ack(session, session.cseq);
      await bye(session);
    } finally {
      socket.close();
    }
  });
});
