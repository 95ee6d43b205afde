import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSip, sipHeader, sipResponse, type SipMessage } from '../sip/sip-message.ts';
import { aorUser, participantSending } from '../siprec/siprec-metadata.ts';
import { parseSiprecOffer } from '../siprec/siprec-offer.ts';
import { aLawDecodeTable } from '../../platform/media/rtp/g711.ts';
import { parseRtpPacket, type RtpPacket } from '../../platform/media/rtp/rtp-packet.ts';
import { parseSipWire } from '../siprec/sip-wire.ts';
import { placeSiprecCall, SiprecCallError, type SiprecCallOptions } from './siprec-caller.ts';

interface Received {
  at: number;
  message: SipMessage;
}

interface RtpArrival extends RtpPacket {
  at: number;
  fromPort: number;
}

interface SrsBehaviour {
  /** INVITEs dropped before one is answered (UDP retransmission) */
  dropInvites?: number;
  /** the final answer to the initial INVITE; 200 with SDP when not given; 'never' only rings */
  status?: string | 'never';
  /** answer m-lines with port 0 (0-based) */
  refuse?: number[];
  /** session-level c= of the answer; the m-lines then carry 127.0.0.1 each */
  sessionAddress?: string;
  /** send the 200 once more after the first ACK */
  repeatOk?: boolean;
  /** the SRS hangs up this long after the ACK */
  byeAfterMs?: number;
}

function method(message: SipMessage): string {
  return message.startLine.startsWith('SIP/2.0') ? '' : (message.startLine.split(' ')[0] ?? '');
}

/** The answer a recorder gives: each offered m-line on its own port, recvonly (inactive when the offer is), labels echoed. */
function answerSdp(invite: SipMessage, ports: number[], behaviour: SrsBehaviour): string {
  const offer = parseSiprecOffer(sipHeader(invite, 'Content-Type'), invite.body);
  const lines = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    `c=IN IP4 ${behaviour.sessionAddress ?? '127.0.0.1'}`,
    't=0 0',
  ];
  offer.streams.forEach((stream, i) => {
    const port = behaviour.refuse?.includes(i) ? 0 : ports[i]!;
    const codec = stream.codecs.find((c) => c.name !== 'TELEPHONE-EVENT')!;
    lines.push(
      `m=audio ${port} RTP/AVP ${codec.payloadType} 101`,
      ...(behaviour.sessionAddress ? ['c=IN IP4 127.0.0.1'] : []),
      `a=rtpmap:${codec.payloadType} ${codec.name}/8000`,
      'a=rtpmap:101 telephone-event/8000',
      `a=label:${stream.label}`,
      stream.direction === 'inactive' ? 'a=inactive' : 'a=recvonly',
    );
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** A recording server reduced to what the SRC sees: SIP over UDP or TCP, two RTP ports, a record of all. */
class FakeSrs {
  readonly received: Received[] = [];
  readonly rtp: RtpArrival[][] = [[], []];
  port = 0;
  private readonly closers: Array<() => void> = [];
  private readonly tag = 'srs-tag';
  private dropped = 0;
  private acks = 0;
  private lastOk: SipMessage | undefined;
  private ringing: SipMessage | undefined;

  private constructor(
    readonly transport: 'udp' | 'tcp',
    private readonly behaviour: SrsBehaviour,
    private readonly rtpPorts: number[],
  ) {}

  static async start(transport: 'udp' | 'tcp', behaviour: SrsBehaviour = {}): Promise<FakeSrs> {
    const rtpSockets = await Promise.all([0, 1].map(() => bindUdp()));
    const srs = new FakeSrs(
      transport,
      behaviour,
      rtpSockets.map((s) => s.address().port),
    );
    rtpSockets.forEach((socket, i) => {
      socket.on('message', (datagram, from) =>
        srs.rtp[i]!.push({ ...parseRtpPacket(datagram)!, at: performance.now(), fromPort: from.port }),
      );
      srs.closers.push(() => socket.close());
    });
    if (transport === 'udp') {
      const socket = await bindUdp();
      socket.on('message', (datagram, from) =>
        srs.handle(parseSipWire(datagram), (m) => socket.send(formatSip(m), from.port, from.address)),
      );
      srs.port = socket.address().port;
      srs.closers.push(() => socket.close());
    } else {
      const server = net.createServer((connection) => {
        let pending = Buffer.alloc(0);
        connection.on('data', (chunk) => {
          pending = Buffer.concat([pending, chunk]);
          for (;;) {
            const headEnd = pending.indexOf('\r\n\r\n');
            if (headEnd < 0) break;
            const length = Number(/content-length:\s*(\d+)/i.exec(pending.subarray(0, headEnd).toString())?.[1] ?? 0);
            if (pending.length < headEnd + 4 + length) break;
            const message = parseSipWire(pending.subarray(0, headEnd + 4 + length));
            pending = pending.subarray(headEnd + 4 + length);
            srs.handle(message, (m) => connection.write(formatSip(m)));
          }
        });
        connection.on('error', () => undefined);
        srs.closers.push(() => connection.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      srs.port = (server.address() as net.AddressInfo).port;
      srs.closers.push(() => server.close());
    }
    return srs;
  }

  get to(): SiprecCallOptions['to'] {
    return { host: '127.0.0.1', port: this.port };
  }

  requests(name: string): Received[] {
    return this.received.filter((r) => method(r.message) === name);
  }

  close(): void {
    for (const close of this.closers.splice(0)) close();
  }

  private respond(request: SipMessage, status: string, extra: Array<[string, string]> = [], body = ''): SipMessage {
    const response = sipResponse(request, status, extra, body);
    response.headers = response.headers.map(([n, v]): [string, string] => [
      n,
      n === 'To' && !v.includes(';tag=') ? `${v};tag=${this.tag}` : v,
    ]);
    return response;
  }

  private handle(message: SipMessage, send: (m: SipMessage) => void): void {
    this.received.push({ at: performance.now(), message });
    const name = method(message);
    const initial = !(sipHeader(message, 'To') ?? '').includes(';tag=');
    if (name === 'INVITE') {
      if (initial && this.dropped < (this.behaviour.dropInvites ?? 0)) {
        this.dropped++;
        return;
      }
      const status = initial ? (this.behaviour.status ?? '200 OK') : '200 OK';
      if (initial) send(this.respond(message, '180 Ringing'));
      if (status === 'never') {
        this.ringing = message;
        return;
      }
      if (!status.startsWith('200')) return send(this.respond(message, status));
      const ok = this.respond(
        message,
        status,
        [
          ['Contact', `<sip:srs@127.0.0.1:${this.port}>`],
          ['Content-Type', 'application/sdp'],
        ],
        answerSdp(message, this.rtpPorts, this.behaviour),
      );
      this.lastOk = ok;
      send(ok);
    } else if (name === 'ACK') {
      if (++this.acks === 1 && this.behaviour.repeatOk && this.lastOk) send(this.lastOk);
      if (this.acks === 1 && this.behaviour.byeAfterMs !== undefined) {
        const invite = this.requests('INVITE')[0]!.message;
        setTimeout(() => send(this.bye(invite)), this.behaviour.byeAfterMs);
      }
    } else if (name === 'CANCEL') {
      send(this.respond(message, '200 OK'));
      if (this.ringing) send(this.respond(this.ringing, '487 Request Terminated'));
    } else if (name === 'BYE') {
      send(this.respond(message, '200 OK'));
    }
  }

  private bye(invite: SipMessage): SipMessage {
    return {
      startLine: `BYE ${sipHeader(invite, 'Contact')!.replace(/^<([^>]*)>.*$/, '$1')} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/${this.transport.toUpperCase()} 127.0.0.1:${this.port};branch=z9hG4bKsrsbye`],
        ['From', `${sipHeader(invite, 'To')};tag=${this.tag}`],
        ['To', sipHeader(invite, 'From')!],
        ['Call-ID', sipHeader(invite, 'Call-ID')!],
        ['CSeq', '1 BYE'],
      ],
      body: '',
    };
  }
}

function bindUdp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

function sdpOf(message: SipMessage): string {
  return parseSiprecOffer(sipHeader(message, 'Content-Type'), message.body).sdp;
}

/**
 * How late each packet arrived against its place on the 20 ms grid, in ms. On a loaded machine
 * the process is sometimes not scheduled for a while, so single packets may be later than 30 ms;
 * drift would make the lateness grow over the call instead.
 */
function expectOnTheClock(lateness: number[]): void {
  expect(Math.min(...lateness)).toBeGreaterThan(-30);
  expect(lateness.filter((l) => Math.abs(l) < 30).length).toBeGreaterThanOrEqual(Math.ceil(lateness.length * 0.95));
  expect(Math.max(...lateness)).toBeLessThan(80);
  const lastQuarter = lateness.slice(-Math.ceil(lateness.length / 4)).sort((a, b) => a - b);
  expect(Math.abs(lastQuarter[Math.floor(lastQuarter.length / 2)]!)).toBeLessThan(10);
}

/** Distance forward from a to b in a counter of `bits` bits. */
function forward(a: number, b: number, bits: 16 | 32): number {
  return bits === 16 ? (b - a) & 0xffff : (b - a) >>> 0;
}

function call(srs: FakeSrs, options: Partial<SiprecCallOptions> = {}, signal?: AbortSignal) {
  const lines: string[] = [];
  const result = placeSiprecCall(
    {
      to: srs.to,
      transport: srs.transport,
      seconds: 1,
      agentDn: '7001',
      customer: '+15550100',
      codec: 'PCMU',
      log: (line) => lines.push(line),
      ...options,
    },
    signal,
  );
  return { result, lines };
}

let srs: FakeSrs | undefined;
afterEach(() => {
  srs?.close();
  srs = undefined;
});

describe('placeSiprecCall', () => {
  it('offers two labelled sendonly streams with RFC 7865 metadata and sends paced RTP and digits over UDP', async () => {
    srs = await FakeSrs.start('udp');
    const { result, lines } = call(srs, { seconds: 2, digits: '12#' });
    const done = await result;

    const [invite] = srs.requests('INVITE');
    expect(sipHeader(invite!.message, 'Require')).toBe('siprec');
    expect(sipHeader(invite!.message, 'Contact')).toMatch(/^<sip:src@127\.0\.0\.1:\d+>;\+sip\.src$/);
    expect(sipHeader(invite!.message, 'Content-Type')).toMatch(/^multipart\/mixed;boundary=/);
    expect(invite!.message.body).toContain('Content-Type: application/rs-metadata+xml');
    // Read as the Vox SRS reads it.
    const offer = parseSiprecOffer(sipHeader(invite!.message, 'Content-Type'), invite!.message.body);
    expect(
      offer.streams.map((s) => ({
        label: s.label,
        direction: s.direction,
        codecs: s.codecs.map((c) => `${c.payloadType} ${c.name}`),
        ptime: s.ptimeMs,
        address: s.address,
      })),
    ).toEqual(
      ['1', '2'].map((label) => ({
        label,
        direction: 'sendonly',
        codecs: ['0 PCMU', '101 TELEPHONE-EVENT'],
        ptime: 20,
        address: '127.0.0.1',
      })),
    );
    expect(offer.metadataProblem).toBeUndefined();
    expect(offer.metadata?.sessionId).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(participantSending(offer.metadata!, '1')?.aor).toBe('sip:+15550100@127.0.0.1');
    expect(participantSending(offer.metadata!, '2')?.aor).toBe('sip:7001@127.0.0.1');
    expect(aorUser(participantSending(offer.metadata!, '2')!.aor!)).toBe('7001');

    const [ack] = srs.requests('ACK');
    expect(sipHeader(ack!.message, 'To')).toContain(';tag=srs-tag');
    expect(sipHeader(ack!.message, 'CSeq')).toBe('1 ACK');
    expect(ack!.message.startLine).toBe(`ACK sip:srs@127.0.0.1:${srs.port} SIP/2.0`);

    const [customer, agent] = srs.rtp as [RtpArrival[], RtpArrival[]];
    // Each leg from its own socket, the one its m-line offered.
    expect([customer[0]!.fromPort, agent[0]!.fromPort]).toEqual(offer.streams.map((s) => s.port));
    // 2 s of 20 ms packets; the customer's keys take 5 ticks each and send 7 packets.
    expect(agent.length).toBeGreaterThanOrEqual(99);
    expect(agent.length).toBeLessThanOrEqual(102);
    expect(customer.length).toBe(agent.length + 3 * 2);
    expect(done.packetsSent).toEqual([customer.length, agent.length]);
    for (const stream of [customer, agent]) {
      const audio = stream.filter((p) => p.payloadType === 0);
      const ticks = audio.map((p) => forward(audio[0]!.timestamp, p.timestamp, 32) / 160);
      expect(ticks.every(Number.isInteger)).toBe(true);
      expect(audio.every((p) => p.payload.length === 160)).toBe(true);
      // No drift: packet N arrives N * 20 ms after the first, give or take a timer's lateness.
      expectOnTheClock(audio.map((p, i) => p.at - audio[0]!.at - ticks[i]! * 20));
      expect(stream.slice(1).every((p, i) => forward(stream[i]!.sequence, p.sequence, 16) === 1)).toBe(true);
    }
    const gaps = agent.slice(1).map((p, i) => p.at - agent[i]!.at);
    const sortedGaps = [...gaps].sort((a, b) => a - b);
    expect(sortedGaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(17);
    expect(sortedGaps[Math.floor(gaps.length / 2)]).toBeLessThan(23);
    expect(agent.slice(1).every((p, i) => forward(agent[i]!.timestamp, p.timestamp, 32) === 160)).toBe(true);

    const events = customer.filter((p) => p.payloadType === 101);
    const digits = events.filter((p) => p.marker);
    expect(digits.map((p) => p.payload[0])).toEqual([1, 2, 11]);
    expect(digits.map((p) => forward(customer[0]!.timestamp, p.timestamp, 32))).toEqual([8000, 9600, 11200]);
    expect(digits[0]!.at - customer[0]!.at).toBeGreaterThan(970);
    expect(digits[0]!.at - customer[0]!.at).toBeLessThan(1030);
    const ends = events.filter((p) => (p.payload[1]! & 0x80) !== 0);
    expect(ends.map((p) => `${p.payload[0]}:${(p.payload[2]! << 8) | p.payload[3]!}`)).toEqual(
      ['1', '2', '11'].flatMap((code) => [`${code}:800`, `${code}:800`, `${code}:800`]),
    );

    const [bye] = srs.requests('BYE');
    expect(sipHeader(bye!.message, 'CSeq')).toBe('2 BYE');
    expect(bye!.at).toBeGreaterThan(agent.at(-1)!.at);
    expect(done).toMatchObject({ status: 200, endedBy: 'time', byeStatus: 200 });
    expect(done.callId).toBe(sipHeader(invite!.message, 'Call-ID'));
    expect(done.answer).toContain('a=recvonly');
    expect(lines[0]).toMatch(/^INVITE sip:srs@127\.0\.0\.1:\d+ sent over UDP/);
    expect(lines).toContain('180 Ringing');
    expect(lines.find((l) => l.startsWith('200 OK'))).toMatch(
      /label 1 -> 127\.0\.0\.1:\d+, label 2 -> 127\.0\.0\.1:\d+/,
    );
    expect(lines.find((l) => l.startsWith('RTP stopped'))).toContain(`label 2 sent ${agent.length} packets`);
    expect(lines.at(-1)).toBe('BYE answered 200 OK');
  });

  it('pauses with an a=inactive re-INVITE and resumes with a=sendonly over TCP, sending no RTP in between', async () => {
    srs = await FakeSrs.start('tcp');
    const { result, lines } = call(srs, { seconds: 1.5, pause: { atS: 0.4, forS: 0.5 }, codec: 'PCMA' });
    const done = await result;

    const invites = srs.requests('INVITE');
    expect(invites).toHaveLength(3);
    expect(sipHeader(invites[0]!.message, 'Via')).toMatch(/^SIP\/2\.0\/TCP /);
    expect(sipHeader(invites[0]!.message, 'Contact')).toMatch(/;transport=tcp>;\+sip\.src$/);
    const [pause, resume] = [invites[1]!, invites[2]!];
    for (const [reInvite, direction, cseq] of [
      [pause, 'inactive', '2 INVITE'],
      [resume, 'sendonly', '3 INVITE'],
    ] as const) {
      expect(reInvite.message.startLine).toBe(`INVITE sip:srs@127.0.0.1:${srs.port} SIP/2.0`);
      expect(sipHeader(reInvite.message, 'CSeq')).toBe(cseq);
      expect(sipHeader(reInvite.message, 'To')).toContain(';tag=srs-tag');
      expect(sipHeader(reInvite.message, 'Call-ID')).toBe(done.callId);
      const streams = parseSiprecOffer(sipHeader(reInvite.message, 'Content-Type'), reInvite.message.body).streams;
      expect(streams.map((s) => [s.label, s.direction])).toEqual([
        ['1', direction],
        ['2', direction],
      ]);
    }
    expect(sdpOf(pause.message)).toMatch(/^o=vox-sim \d+ 1 /m);
    expect(sdpOf(resume.message)).toMatch(/^o=vox-sim \d+ 2 /m);
    expect(pause.at - invites[0]!.at).toBeGreaterThan(380);
    expect(resume.at - pause.at).toBeGreaterThan(480);
    expect(resume.at - pause.at).toBeLessThan(560);
    expect(srs.requests('ACK').map((a) => sipHeader(a.message, 'CSeq'))).toEqual(['1 ACK', '2 ACK', '3 ACK']);

    for (const stream of srs.rtp) {
      expect(stream.every((p) => p.payloadType === 8)).toBe(true);
      const before = stream.filter((p) => p.at <= pause.at);
      const after = stream.filter((p) => p.at > resume.at);
      // Nothing while paused (allowing one packet already in flight when the re-INVITE left).
      expect(stream.filter((p) => p.at > pause.at + 5 && p.at <= resume.at)).toEqual([]);
      expect(before.length).toBeGreaterThanOrEqual(19);
      expect(after[0]!.at - resume.at).toBeLessThan(60);
      expect(after[0]!.marker).toBe(true);
      const last = stream[stream.indexOf(after[0]!) - 1]!;
      expect(forward(last.sequence, after[0]!.sequence, 16)).toBe(1);
      // The timestamps ran on through the pause.
      const jumpMs = forward(last.timestamp, after[0]!.timestamp, 32) / 8;
      expect(Math.abs(jumpMs - (after[0]!.at - last.at))).toBeLessThan(30);
      expect(stream.length).toBeLessThan(56);
    }
    expect(srs.requests('BYE')).toHaveLength(1);
    expect(done).toMatchObject({ status: 200, endedBy: 'time', byeStatus: 200 });
    expect(lines.some((l) => l.startsWith('paused: re-INVITE answered 200 OK'))).toBe(true);
    expect(lines.some((l) => l.startsWith('resumed: 200 OK'))).toBe(true);
  });

  it('retransmits an unanswered INVITE on timer A, ACKs a repeated 200 again and sends nothing to a refused stream', async () => {
    srs = await FakeSrs.start('udp', { dropInvites: 1, refuse: [1], sessionAddress: '192.0.2.1', repeatOk: true });
    const { result, lines } = call(srs, { seconds: 0.5 });
    const done = await result;
    const invites = srs.requests('INVITE');
    expect(invites).toHaveLength(2);
    expect(invites[1]!.message).toEqual(invites[0]!.message);
    expect(invites[1]!.at - invites[0]!.at).toBeGreaterThan(490);
    expect(invites[1]!.at - invites[0]!.at).toBeLessThan(600);
    expect(lines).toContain('INVITE retransmitted (no answer yet)');
    const acks = srs.requests('ACK');
    expect(acks).toHaveLength(2);
    expect(acks[1]!.message).toEqual(acks[0]!.message);
    // The media-level c= wins over the session's; the refused stream gets nothing.
    expect(srs.rtp[0]!.length).toBeGreaterThanOrEqual(24);
    expect(srs.rtp[1]).toEqual([]);
    expect(done.packetsSent).toEqual([srs.rtp[0]!.length, 0]);
    expect(lines.find((l) => l.startsWith('200 OK'))).toContain('label 2 refused (port 0)');
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`fails with the status of a non-2xx answer, which it ACKs (${transport})`, async () => {
      srs = await FakeSrs.start(transport, { status: '488 Not Acceptable Here' });
      const failure = await call(srs).result.catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SiprecCallError);
      expect(failure).toMatchObject({ status: 488, message: 'INVITE answered 488 Not Acceptable Here' });
      await sleep(20);
      const [invite] = srs.requests('INVITE');
      const [ack] = srs.requests('ACK');
      expect(sipHeader(ack!.message, 'Via')).toBe(sipHeader(invite!.message, 'Via'));
      expect(sipHeader(ack!.message, 'CSeq')).toBe('1 ACK');
      expect(srs.rtp.flat()).toEqual([]);
    });
  }

  it('fails with 503 when nothing listens on the TCP port', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = placeSiprecCall({
      to: { host: '127.0.0.1', port },
      transport: 'tcp',
      seconds: 1,
      agentDn: '7001',
      customer: '+15550100',
      codec: 'PCMU',
    });
    await expect(failure).rejects.toMatchObject({ status: 503, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('ends the call with a BYE when the signal aborts, and stops when the SRS hangs up', async () => {
    srs = await FakeSrs.start('udp');
    const controller = new AbortController();
    const aborted = call(srs, { seconds: 5 }, controller.signal);
    setTimeout(() => controller.abort(), 300);
    expect(await aborted.result).toMatchObject({ endedBy: 'abort', byeStatus: 200 });
    expect(srs.requests('BYE')).toHaveLength(1);
    srs.close();

    srs = await FakeSrs.start('tcp', { byeAfterMs: 200 });
    const started = performance.now();
    const hungUp = await call(srs, { seconds: 5 }).result;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(hungUp).toMatchObject({ endedBy: 'srs', byeStatus: 0 });
    expect(srs.requests('BYE')).toEqual([]);
    await sleep(20);
    const byeAnswer = srs.received.find((r) => sipHeader(r.message, 'CSeq') === '1 BYE');
    expect(byeAnswer?.message.startLine).toBe('SIP/2.0 200 OK');
  });

  it('CANCELs an INVITE still ringing when the signal aborts', async () => {
    srs = await FakeSrs.start('udp', { status: 'never' });
    const controller = new AbortController();
    const ringing = call(srs, {}, controller.signal);
    setTimeout(() => controller.abort(new Error('gave up')), 100);
    await expect(ringing.result).rejects.toThrow('gave up');
    await sleep(20);
    expect(srs.requests('CANCEL')).toHaveLength(1);
    expect(srs.requests('ACK').map((a) => sipHeader(a.message, 'CSeq'))).toEqual(['1 ACK']);
    expect(ringing.lines).toContain('CANCEL sent');
  });
});

describe('vox-sim siprec', () => {
  const cli = path.resolve(import.meta.dirname, '../../../bin/vox-sim.mjs');
  const run = promisify(execFile);
  const fail = (error: { code: number; stdout: string; stderr: string }) => error;

  it('prints its usage and exits 2 on bad arguments', async () => {
    const attempts = await Promise.all(
      [
        ['siprec', '--to', 'no-port'],
        ['siprec', '--to', '127.0.0.1:5060', '--pause-at', '2', '--codec', 'G729'],
        ['siprec', '--to', '127.0.0.1:5060', '--wav', '/nonexistent.wav'],
      ].map((args) => run(process.execPath, [cli, ...args]).catch(fail)),
    );
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('Usage: vox-sim siprec --to HOST:PORT'),
      });
    }
    expect(attempts.map((a) => (a as { stderr: string }).stderr.split('\n')[0])).toEqual([
      '--to takes HOST:PORT, not "no-port"',
      '--codec is PCMU or PCMA, not "G729"',
      "cannot read /nonexistent.wav: ENOENT: no such file or directory, open '/nonexistent.wav'",
    ]);
  });

  it('places a call with the customer and agent WAV files, printing each step, and exits 1 when turned down', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-sim-siprec-'));
    try {
      // The customer says a 16 kHz stereo tone, the agent stays silent.
      const rate = 16000;
      const tone = Int16Array.from({ length: rate * 2 }, (_, i) =>
        Math.round(8000 * Math.sin((2 * Math.PI * 440 * Math.floor(i / 2)) / rate)),
      );
      await fs.writeFile(path.join(dir, 'customer.wav'), wav(tone, rate, 2));
      await fs.writeFile(path.join(dir, 'agent.wav'), wav(new Int16Array(8000), 8000, 1));
      srs = await FakeSrs.start('udp');
      const { stdout } = await run(process.execPath, [
        cli,
        'siprec',
        '--to',
        `127.0.0.1:${srs.port}`,
        '--seconds',
        '0.6',
        '--codec',
        'pcma',
        '--agent',
        '7002',
        '--wav',
        path.join(dir, 'customer.wav'),
        '--wav',
        path.join(dir, 'agent.wav'),
      ]);
      expect(stdout).toMatch(/\] INVITE sip:srs@127\.0\.0\.1:\d+ sent over UDP/);
      expect(stdout).toMatch(/\] 200 OK: label 1 -> 127\.0\.0\.1:\d+, label 2 -> 127\.0\.0\.1:\d+; ACK sent/);
      expect(stdout).toMatch(/\] RTP started: PCMA/);
      expect(stdout).toMatch(/\] BYE answered 200 OK/);
      expect(stdout).toMatch(/Summary: Call-ID \S+, INVITE answered 200, ended by time/);
      expect(stdout).toMatch(/label 2 \(agent 7002\): \d+ RTP packets sent/);
      const offer = parseSiprecOffer(
        sipHeader(srs.requests('INVITE')[0]!.message, 'Content-Type'),
        srs.requests('INVITE')[0]!.message.body,
      );
      expect(participantSending(offer.metadata!, '2')?.aor).toBe('sip:7002@127.0.0.1');
      const level = (packets: RtpArrival[]) => {
        const samples = packets.flatMap((p) => [...p.payload].map((b) => aLawDecodeTable[b]!));
        return Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
      };
      expect(level(srs.rtp[0]!)).toBeGreaterThan(4000);
      expect(level(srs.rtp[1]!)).toBeLessThan(20);
      srs.close();

      srs = await FakeSrs.start('tcp', { status: '403 Forbidden' });
      const refused = await run(process.execPath, [cli, 'siprec', '--to', `127.0.0.1:${srs.port}`, '--tcp']).catch(
        fail,
      );
      expect(refused).toMatchObject({ code: 1, stderr: 'INVITE answered 403 Forbidden\n' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

function wav(samples: Int16Array, rate: number, channels: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}
