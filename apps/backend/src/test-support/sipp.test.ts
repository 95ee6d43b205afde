import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseSdp } from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSip, parseSip, sipHeader, sipRequestLine, sipResponse } from '../telephony/sip/sip-message.ts';
import type { SipMessage } from '../telephony/sip/sip-message.ts';
import { readPcapUdp, rtpPcap, tone } from './rtp-pcap.ts';
import { runSipp, sippInstalled } from './sipp.ts';

const scenarios = fileURLToPath(new URL('../telephony/siprec/sipp/', import.meta.url));
const scenario = (name: string): string => path.join(scenarios, name);

interface BodyPart {
  contentType: string;
  body: string;
}

/** The parts of a multipart body, or undefined when its Content-Type gives no boundary. */
function multipartParts(contentType: string, body: string): BodyPart[] | undefined {
  const boundary = /;\s*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return undefined;
  return body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const message = parseSip(`X\r\n${part.replace(/^\r\n/, '')}`);
      return { contentType: sipHeader(message, 'Content-Type') ?? '', body: message.body.replace(/\r\n$/, '') };
    });
}

/** The SDP of a request: the whole body or its application/sdp part. */
function sdpOf(request: SipMessage): ReturnType<typeof parseSdp> | undefined {
  const contentType = sipHeader(request, 'Content-Type') ?? '';
  if (/^application\/sdp/i.test(contentType)) return parseSdp(request.body);
  const sdp = multipartParts(contentType, request.body)?.find((part) => /^application\/sdp/i.test(part.contentType));
  return sdp ? parseSdp(sdp.body) : undefined;
}

/**
 * A stand-in for Vox's recording server, as the contract describes it: OPTIONS 200; a SIPREC
 * INVITE gets 100 and 200 with one recvonly m-line per stream on ports P and P+2, labels echoed;
 * an unreadable multipart body gets 400; BYE 200. It keeps what arrives, SIP and RTP.
 */
class FakeSrs {
  readonly requests: SipMessage[] = [];
  /** RTP packets per port, in arrival order */
  readonly rtp = new Map<number, Buffer[]>();
  private readonly closers: Array<() => Promise<void>> = [];
  sipPort = 0;
  rtpPort = 0;

  private constructor(private readonly acceptAnything: boolean) {}

  static async start(transport: 'udp' | 'tcp', options: { acceptAnything?: boolean } = {}): Promise<FakeSrs> {
    const srs = new FakeSrs(options.acceptAnything ?? false);
    await srs.openRtpPorts();
    if (transport === 'udp') await srs.listenUdp();
    else await srs.listenTcp();
    return srs;
  }

  requestsOf(method: string): SipMessage[] {
    return this.requests.filter((request) => sipRequestLine(request).method === method);
  }

  async stop(): Promise<void> {
    await Promise.all(this.closers.map((close) => close()));
  }

  /** Two consecutive even ports, as the server allocates a session's streams. */
  private async openRtpPorts(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = 20000 + 2 * Math.floor(Math.random() * 15000);
      const sockets = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
      try {
        await Promise.all(sockets.map((socket, i) => bindUdp(socket, port + 2 * i)));
      } catch {
        sockets.forEach((socket) => socket.close());
        continue;
      }
      sockets.forEach((socket, i) => {
        this.rtp.set(port + 2 * i, []);
        socket.on('message', (packet) => this.rtp.get(port + 2 * i)!.push(packet));
        this.closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
      });
      this.rtpPort = port;
      return;
    }
    throw new Error('no two consecutive even UDP ports free');
  }

  private async listenUdp(): Promise<void> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (datagram, from) => {
      for (const reply of this.handle(datagram.toString('utf8'))) socket.send(reply, from.port, from.address);
    });
    await bindUdp(socket, 0);
    this.sipPort = socket.address().port;
    this.closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
  }

  private async listenTcp(): Promise<void> {
    const connections = new Set<net.Socket>();
    const server = net.createServer((connection) => {
      connections.add(connection);
      connection.on('close', () => connections.delete(connection));
      connection.on('error', () => connection.destroy());
      let pending = Buffer.alloc(0);
      connection.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const headerEnd = pending.indexOf('\r\n\r\n');
          if (headerEnd < 0) return;
          const length = Number(
            /\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(pending.subarray(0, headerEnd).toString())?.[1] ?? 0,
          );
          if (pending.length < headerEnd + 4 + length) return;
          const text = pending.subarray(0, headerEnd + 4 + length).toString('utf8');
          pending = pending.subarray(headerEnd + 4 + length);
          for (const reply of this.handle(text)) connection.write(reply);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.sipPort = (server.address() as net.AddressInfo).port;
    this.closers.push(
      () =>
        new Promise((resolve) => {
          connections.forEach((connection) => connection.destroy());
          server.close(() => resolve());
        }),
    );
  }

  /** The replies to one message (none to a response or an ACK). */
  private handle(text: string): string[] {
    const message = parseSip(text);
    if (message.startLine.startsWith('SIP/2.0')) return [];
    this.requests.push(message);
    const { method } = sipRequestLine(message);
    if (method === 'ACK') return [];
    if (method !== 'INVITE') return [formatSip(sipResponse(message, '200 OK'))];

    const sdp = sdpOf(message);
    const trying = formatSip(sipResponse(message, '100 Trying'));
    let answer = sdp ? this.answer(sdp) : undefined;
    if (!answer && this.acceptAnything) answer = this.answer(parseSdp('v=0\r\nm=audio 9 RTP/AVP 0\r\n'));
    if (!answer) return [trying, formatSip(withToTag(sipResponse(message, '400 Bad Request')))];
    const contact: [string, string] = ['Contact', `<sip:srs@127.0.0.1:${this.sipPort}>`];
    const ok = sipResponse(message, '200 OK', [contact, ['Content-Type', 'application/sdp']], answer);
    return [trying, formatSip(withToTag(ok))];
  }

  private answer(offer: ReturnType<typeof parseSdp>): string | undefined {
    if (offer.media.length === 0) return undefined;
    const lines = ['v=0', 'o=SRS 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
    offer.media.forEach((media, i) => {
      const payloadType = String(media.payloads ?? '0').split(' ')[0];
      lines.push(`m=audio ${this.rtpPort + 2 * i} RTP/AVP ${payloadType}`);
      lines.push(media.direction === 'inactive' ? 'a=inactive' : 'a=recvonly');
      if (media.label !== undefined) lines.push(`a=label:${media.label}`);
    });
    return `${lines.join('\r\n')}\r\n`;
  }
}

function withToTag(response: SipMessage): SipMessage {
  return {
    ...response,
    headers: response.headers.map(([name, value]): [string, string] =>
      name.toLowerCase() === 'to' && !/;\s*tag=/i.test(value) ? [name, `${value};tag=srs1`] : [name, value],
    ),
  };
}

function bindUdp(socket: dgram.Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** RFC 7865 metadata read back: which participant (AoR) sends the stream of each label. */
function sendersByLabel(metadata: string): Record<string, string> {
  expect(XMLValidator.validate(metadata)).toBe(true);
  const list = (value: unknown): Array<Record<string, unknown>> =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]) as Array<Record<string, unknown>>;
  const { recording } = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(metadata) as {
    recording: Record<string, unknown>;
  };
  const aors = new Map(
    list(recording.participant).map((p) => [p.participant_id, (p.nameID as Record<string, string>).aor]),
  );
  const labels = new Map(list(recording.stream).map((stream) => [stream.stream_id, String(stream.label)]));
  return Object.fromEntries(
    list(recording.participantstreamassoc).flatMap((assoc) =>
      list(assoc.send).map((streamId) => [labels.get(streamId), aors.get(assoc.participant_id)]),
    ),
  );
}

const directions = (request: SipMessage): string[] => (sdpOf(request)?.media ?? []).map((m) => m.direction ?? '');
const labels = (request: SipMessage): string[] => (sdpOf(request)?.media ?? []).map((m) => String(m.label ?? ''));
const hex = (packets: Buffer[]): string[] => packets.map((packet) => packet.toString('hex'));
const payloadTypes = (packets: Buffer[]): number[] => [...new Set(packets.map((packet) => packet[1]! & 0x7f))].sort();

/** RTP the capture sends to `dstPort`, in its order. */
const sentTo = (pcap: Buffer, dstPort: number): Buffer[] =>
  readPcapUdp(pcap)
    .filter((packet) => packet.dstPort === dstPort)
    .map((packet) => packet.rtp);

describe('SIPp SIPREC scenarios against a fake recording server', () => {
  let dir: string;
  const files = { call: '', first: '', second: '' };
  const pcaps: Record<keyof typeof files, Buffer> = {
    call: Buffer.alloc(0),
    first: Buffer.alloc(0),
    second: Buffer.alloc(0),
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-sipp-test-'));
    // The customer on label 1 (to 6000) keys a digit; the agent on label 2 (to 6002) starts later.
    pcaps.call = rtpPcap([
      {
        audio: tone(440, 1000),
        codec: 'PCMU',
        dstPort: 6000,
        digits: [{ digit: '7', atMs: 400, durationMs: 100 }],
      },
      { audio: tone(880, 900), codec: 'PCMU', dstPort: 6002, startMs: 100, firstSequence: 65500 },
    ]);
    pcaps.first = rtpPcap([
      { audio: tone(500, 500), codec: 'PCMU', dstPort: 6000 },
      { audio: tone(700, 500), codec: 'PCMU', dstPort: 6002 },
    ]);
    pcaps.second = rtpPcap([
      { audio: tone(600, 500), codec: 'PCMU', dstPort: 6000, firstSequence: 200, firstTimestamp: 80000 },
      { audio: tone(800, 500), codec: 'PCMU', dstPort: 6002, firstSequence: 300, firstTimestamp: 90000 },
    ]);
    for (const name of ['call', 'first', 'second'] as const) {
      files[name] = path.join(dir, `${name}.pcap`);
      await fs.writeFile(files[name], pcaps[name]);
    }
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const people = { customer_number: '5551234', agent_dn: '4711' };

  it('has SIPp installed', () => {
    expect(sippInstalled()).toBe(true);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    describe(`over ${transport.toUpperCase()}`, () => {
      it('pings with OPTIONS and takes the 200', async () => {
        const srs = await FakeSrs.start(transport);
        try {
          const result = await runSipp({
            scenario: scenario('sip-options.xml'),
            target: `127.0.0.1:${srs.sipPort}`,
            transport,
            timeoutMs: 10_000,
          });
          expect(result, result.errors).toMatchObject({ exitCode: 0, successful: 1, failed: 0 });
          expect(srs.requests.map((r) => sipRequestLine(r).method)).toEqual(['OPTIONS']);
          expect(result.messages).toContain('SIP/2.0 200 OK');
        } finally {
          await srs.stop();
        }
      });

      it('records a call: multipart INVITE with both labels, every RTP packet on P and P+2 in order, BYE', async () => {
        const srs = await FakeSrs.start(transport);
        try {
          const result = await runSipp({
            scenario: scenario('siprec-call.xml'),
            target: `127.0.0.1:${srs.sipPort}`,
            transport,
            keys: { ...people, pcap: files.call, talk_ms: '1200' },
            timeoutMs: 15_000,
          });
          expect(result, result.errors).toMatchObject({ exitCode: 0, successful: 1, failed: 0 });
          expect(srs.requests.map((r) => sipRequestLine(r).method)).toEqual(['INVITE', 'ACK', 'BYE']);

          const invite = srs.requests[0]!;
          expect(sipHeader(invite, 'Require')).toBe('siprec');
          expect(sipHeader(invite, 'Contact')).toContain('+sip.src');
          const parts = multipartParts(sipHeader(invite, 'Content-Type') ?? '', invite.body)!;
          expect(parts.map((part) => part.contentType)).toEqual(['application/sdp', 'application/rs-metadata+xml']);
          expect(labels(invite)).toEqual(['1', '2']);
          expect(directions(invite)).toEqual(['sendonly', 'sendonly']);
          expect(sdpOf(invite)!.media.map((m) => m.rtp.map((r) => `${r.payload} ${r.codec}`))).toEqual([
            ['0 PCMU', '101 telephone-event'],
            ['0 PCMU', '101 telephone-event'],
          ]);
          expect(sendersByLabel(parts[1]!.body)).toEqual({ '1': 'sip:5551234@sbc', '2': 'sip:4711@pbx' });

          // The customer's flow went to P (label 1), the agent's to P+2 (label 2): all of it, in order.
          const atP = srs.rtp.get(srs.rtpPort)!;
          const atP2 = srs.rtp.get(srs.rtpPort + 2)!;
          expect(atP.length).toBe(50 + 2); // 50 slots of 20 ms, 5 of them the digit, plus 2 repeated ends
          expect(hex(atP)).toEqual(hex(sentTo(pcaps.call, 6000)));
          expect(hex(atP2)).toEqual(hex(sentTo(pcaps.call, 6002)));
          expect(payloadTypes(atP)).toEqual([0, 101]);
          expect(payloadTypes(atP2)).toEqual([0]);
        } finally {
          await srs.stop();
        }
      });

      it('pauses and resumes: re-INVITEs with the streams inactive, then sendonly, media after each stretch', async () => {
        const srs = await FakeSrs.start(transport);
        try {
          const result = await runSipp({
            scenario: scenario('siprec-pause.xml'),
            target: `127.0.0.1:${srs.sipPort}`,
            transport,
            keys: {
              ...people,
              pcap: files.first,
              talk_ms: '700',
              pause_ms: '300',
              pcap2: files.second,
              talk2_ms: '700',
            },
            timeoutMs: 15_000,
          });
          expect(result, result.errors).toMatchObject({ exitCode: 0, successful: 1, failed: 0 });
          expect(srs.requests.map((r) => sipRequestLine(r).method)).toEqual([
            'INVITE',
            'ACK',
            'INVITE',
            'ACK',
            'INVITE',
            'ACK',
            'BYE',
          ]);
          const [offer, pause, resume] = srs.requestsOf('INVITE');
          expect(directions(offer!)).toEqual(['sendonly', 'sendonly']);
          expect(directions(pause!)).toEqual(['inactive', 'inactive']);
          expect(directions(resume!)).toEqual(['sendonly', 'sendonly']);
          expect(labels(pause!)).toEqual(['1', '2']);
          expect(labels(resume!)).toEqual(['1', '2']);
          const resumeParts = multipartParts(sipHeader(resume!, 'Content-Type') ?? '', resume!.body)!;
          expect(sendersByLabel(resumeParts[1]!.body)).toEqual({ '1': 'sip:5551234@sbc', '2': 'sip:4711@pbx' });
          // In the dialog: the answer's tag and the rising CSeq.
          expect(sipHeader(pause!, 'To')).toContain('tag=srs1');
          expect(srs.requestsOf('INVITE').map((r) => sipHeader(r, 'CSeq'))).toEqual([
            '1 INVITE',
            '2 INVITE',
            '3 INVITE',
          ]);

          expect(hex(srs.rtp.get(srs.rtpPort)!)).toEqual(
            hex([...sentTo(pcaps.first, 6000), ...sentTo(pcaps.second, 6000)]),
          );
          expect(hex(srs.rtp.get(srs.rtpPort + 2)!)).toEqual(
            hex([...sentTo(pcaps.first, 6002), ...sentTo(pcaps.second, 6002)]),
          );
        } finally {
          await srs.stop();
        }
      });

      it('lets the SRC die: media, then no BYE', async () => {
        const srs = await FakeSrs.start(transport);
        try {
          const result = await runSipp({
            scenario: scenario('siprec-no-bye.xml'),
            target: `127.0.0.1:${srs.sipPort}`,
            transport,
            keys: { ...people, pcap: files.first, talk_ms: '700' },
            timeoutMs: 10_000,
          });
          expect(result, result.errors).toMatchObject({ exitCode: 0, successful: 1, failed: 0 });
          expect(srs.requests.map((r) => sipRequestLine(r).method)).toEqual(['INVITE', 'ACK']);
          expect(hex(srs.rtp.get(srs.rtpPort)!)).toEqual(hex(sentTo(pcaps.first, 6000)));
          expect(hex(srs.rtp.get(srs.rtpPort + 2)!)).toEqual(hex(sentTo(pcaps.first, 6002)));
        } finally {
          await srs.stop();
        }
      });

      it('sends an INVITE without a multipart boundary and takes the 400', async () => {
        const srs = await FakeSrs.start(transport);
        try {
          const result = await runSipp({
            scenario: scenario('siprec-malformed.xml'),
            target: `127.0.0.1:${srs.sipPort}`,
            transport,
            timeoutMs: 10_000,
          });
          expect(result, result.errors).toMatchObject({ exitCode: 0, successful: 1, failed: 0 });
          expect(srs.requests.map((r) => sipRequestLine(r).method)).toEqual(['INVITE', 'ACK']);
          const [invite, ack] = srs.requests;
          expect(sipHeader(invite!, 'Content-Type')).toBe('multipart/mixed');
          // The ACK of a refusal belongs to the INVITE's transaction: the same branch.
          const branch = (m: SipMessage): string | undefined => /branch=([^;\s]+)/.exec(sipHeader(m, 'Via') ?? '')?.[1];
          expect(branch(ack!)).toBe(branch(invite!));
        } finally {
          await srs.stop();
        }
      });
    });
  }

  it('fails the malformed call when the server accepts it', async () => {
    const srs = await FakeSrs.start('udp', { acceptAnything: true });
    try {
      const result = await runSipp({
        scenario: scenario('siprec-malformed.xml'),
        target: `127.0.0.1:${srs.sipPort}`,
        transport: 'udp',
        timeoutMs: 10_000,
      });
      expect(result).toMatchObject({ exitCode: 1, successful: 0, failed: 1 });
    } finally {
      await srs.stop();
    }
  });

  it('reports a server that never answers as a failed call within the timeout', async () => {
    const silent = dgram.createSocket('udp4');
    await bindUdp(silent, 0);
    try {
      const started = Date.now();
      const result = await runSipp({
        scenario: scenario('sip-options.xml'),
        target: `127.0.0.1:${silent.address().port}`,
        transport: 'udp',
        timeoutMs: 2_000,
      });
      expect(result.successful).toBe(0);
      expect(result.exitCode).not.toBe(0);
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      silent.close();
    }
  });
});
