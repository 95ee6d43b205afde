import { readFileSync } from 'node:fs';
import { parse as parseSdp } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { aorUser, participantSending, participantsSending } from './siprec-metadata.ts';
import { buildSiprecAnswer, parseSiprecOffer, recordableCodec } from './siprec-offer.ts';
import { readVendorInvite, vendorInviteNames } from './vendor-invites/vendor-invite-fixtures.ts';

/** What each vendor's INVITE must come out as. */
interface Expected {
  labels: string[];
  direction: 'sendonly' | 'inactive';
  protocol: string;
  /** codec names per m-line, in offer order */
  codecs: string[][];
  recordable: Array<string | undefined>;
  telephoneEvent: number | undefined;
  address: string;
  form: 'rfc7865' | 'draft' | undefined;
  /** the user part of each participant's AoR, in metadata order */
  participants: string[];
  /** label -> user part of the participant sending it (undefined: the metadata does not say) */
  senders: Record<string, string | undefined>;
}

const twoLegs = (names: string[]) => [names, names];

const expectations: Record<string, Expected> = {
  'rfc7865-generic': {
    labels: ['1', '2'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMU', 'PCMA', 'TELEPHONE-EVENT']),
    recordable: ['PCMU', 'PCMU'],
    telephoneEvent: 101,
    address: '10.0.0.10',
    form: 'rfc7865',
    participants: ['+4930123456', '7001'],
    senders: { '1': '+4930123456', '2': '7001' },
  },
  'oracle-acme-draft': {
    labels: ['16777227', '16777228'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMU']),
    recordable: ['PCMU', 'PCMU'],
    telephoneEvent: undefined,
    address: '192.0.2.21',
    form: 'draft',
    participants: ['+14155550101', '2210'],
    senders: { '16777227': '+14155550101', '16777228': '2210' },
  },
  'sonus-prefixed': {
    labels: ['1', '2'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMU']),
    recordable: ['PCMU', 'PCMU'],
    telephoneEvent: undefined,
    address: '172.16.40.30',
    form: 'rfc7865',
    participants: ['3125550140', '3125550177'],
    // Label 1 is the second participant's voice.
    senders: { '1': '3125550177', '2': '3125550140' },
  },
  'cisco-cube-no-metadata': {
    labels: ['1', '2'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMU', 'TELEPHONE-EVENT']),
    recordable: ['PCMU', 'PCMU'],
    telephoneEvent: 101,
    address: '10.20.30.1',
    form: undefined,
    participants: [],
    senders: {},
  },
  broadworks: {
    labels: ['1', '2'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMA', 'TELEPHONE-EVENT', 'PCMU', 'G722', 'G729']),
    recordable: ['PCMA', 'PCMA'],
    telephoneEvent: 101,
    address: '203.0.113.41',
    form: 'draft',
    participants: ['02079460018', '+442079460999'],
    senders: { '1': '02079460018', '2': '+442079460999' },
  },
  'avaya-three-streams': {
    labels: ['10', '20', '30'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: [
      ['G729', 'PCMA', 'TELEPHONE-EVENT'],
      ['G729', 'PCMA', 'TELEPHONE-EVENT'],
      ['PCMA', 'TELEPHONE-EVENT'],
    ],
    recordable: ['PCMA', 'PCMA', 'PCMA'],
    telephoneEvent: 101,
    address: '10.89.7.21',
    form: 'rfc7865',
    participants: ['+31201234567', '4410'],
    // 30 is the mixed stream: both participants send it.
    senders: { '10': '+31201234567', '20': '4410', '30': undefined },
  },
  'all-inactive': {
    labels: ['1', '2'],
    direction: 'inactive',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMU', 'TELEPHONE-EVENT', 'CN']),
    recordable: ['PCMU', 'PCMU'],
    telephoneEvent: 101,
    address: '192.168.1.2',
    form: 'rfc7865',
    participants: ['0612345678', '+33140000000'],
    // Its participantstreamassoc elements are empty.
    senders: { '1': undefined, '2': undefined },
  },
  'opensips-long-labels': {
    labels: ['7f3c2a9e1b4d4c08a6e5f1d2c3b4a596', '0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMA', 'PCMU', 'TELEPHONE-EVENT']),
    recordable: ['PCMA', 'PCMA'],
    telephoneEvent: 101,
    address: '10.0.0.31',
    form: 'rfc7865',
    participants: ['1001', '1006'],
    senders: { '7f3c2a9e1b4d4c08a6e5f1d2c3b4a596': '1001', '0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b': '1006' },
  },
  audiocodes: {
    labels: ['0', '1'],
    // a=sendonly at the session level only
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['G722', 'PCMA', 'TELEPHONE-EVENT']),
    recordable: ['G722', 'G722'],
    telephoneEvent: 96,
    address: '10.1.1.6',
    form: 'rfc7865',
    participants: ['+4989123400', '+4917612345678'],
    // No participantstreamassoc at all.
    senders: { '0': undefined, '1': undefined },
  },
  'srtp-offer': {
    labels: ['1', '2'],
    direction: 'sendonly',
    protocol: 'RTP/SAVP',
    codecs: twoLegs(['PCMU', 'TELEPHONE-EVENT']),
    recordable: ['PCMU', 'PCMU'],
    telephoneEvent: 101,
    address: '198.51.100.21',
    form: 'rfc7865',
    participants: ['alice', 'bob'],
    senders: { '1': 'alice', '2': 'bob' },
  },
  'g729-only': {
    labels: ['1', '2'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['G729', 'TELEPHONE-EVENT']),
    recordable: [undefined, undefined],
    telephoneEvent: 101,
    address: '10.3.3.3',
    form: 'rfc7865',
    participants: ['5551001', '5551002'],
    senders: { '1': '5551001', '2': '5551002' },
  },
  'sems-a-leg-b-leg': {
    labels: ['a_leg', 'b_leg'],
    direction: 'sendonly',
    protocol: 'RTP/AVP',
    codecs: twoLegs(['PCMA']),
    recordable: ['PCMA', 'PCMA'],
    telephoneEvent: undefined,
    address: '10.4.4.4',
    form: 'rfc7865',
    participants: ['016190200', 'Queue-016190619'],
    senders: { a_leg: '016190200', b_leg: 'Queue-016190619' },
  },
};

/** Splits a message file into its header lines and body, with CRLF line ends whatever the checkout did to them. */
function splitInvite(name: string): { headerLines: string[]; body: string } {
  const text = readFileSync(new URL(`./vendor-invites/${name}.sip`, import.meta.url), 'utf8').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  return { headerLines: text.slice(0, split).split('\r\n'), body: text.slice(split + 4) };
}

function header(headerLines: string[], name: string): string | undefined {
  const line = headerLines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

describe('vendor SIPREC INVITEs', () => {
  it('has expectations for every fixture', () => {
    expect(vendorInviteNames()).toEqual(Object.keys(expectations).sort());
  });

  describe.each(Object.entries(expectations))('%s', (name, expected) => {
    const { headerLines, body } = splitInvite(name);
    const offer = parseSiprecOffer(header(headerLines, 'Content-Type'), body);

    it('is a whole SIPREC INVITE whose Content-Length counts its body', () => {
      expect(headerLines[0]).toMatch(/^INVITE sips?:\S+ SIP\/2\.0$/);
      for (const required of ['Via', 'From', 'To', 'Call-ID', 'CSeq'])
        expect(header(headerLines, required)).toBeDefined();
      expect(header(headerLines, 'Contact')).toContain('+sip.src');
      expect(header(headerLines, 'Require')).toContain('siprec');
      expect(header(headerLines, 'Content-Type')).toMatch(/^multipart\/mixed;\s*boundary=/);
      expect(Number(header(headerLines, 'Content-Length'))).toBe(Buffer.byteLength(body));
    });

    it('offers its streams with their labels, directions and codecs', () => {
      expect(offer.streams.map((s) => s.label)).toEqual(expected.labels);
      expect(offer.streams.map((s) => s.direction)).toEqual(expected.labels.map(() => expected.direction));
      expect(offer.streams.map((s) => s.protocol)).toEqual(expected.labels.map(() => expected.protocol));
      expect(offer.streams.map((s) => s.codecs.map((c) => c.name))).toEqual(expected.codecs);
      expect(offer.streams.map((s) => recordableCodec(s)?.name)).toEqual(expected.recordable);
      expect(offer.streams.map((s) => s.telephoneEvent)).toEqual(expected.labels.map(() => expected.telephoneEvent));
      expect(offer.streams.map((s) => s.address)).toEqual(expected.labels.map(() => expected.address));
      expect(new Set(offer.streams.map((s) => s.port)).size).toBe(expected.labels.length);
    });

    it('names the participants and who sends which label', () => {
      expect(offer.metadataProblem).toBeUndefined();
      expect(offer.metadata?.form).toBe(expected.form);
      const participants = offer.metadata?.participants ?? [];
      expect(participants.map((p) => aorUser(p.aor ?? ''))).toEqual(expected.participants);
      for (const [label, user] of Object.entries(expected.senders)) {
        const sender = participantSending(offer.metadata!, label);
        expect(sender && aorUser(sender.aor ?? ''), `sender of label ${label}`).toBe(user);
      }
    });

    it('is answered with its labels echoed in offer order, receive-only, on the given ports', () => {
      const streams = offer.streams.map((stream, i) => {
        const codec = recordableCodec(stream);
        return { port: codec ? 20000 + 2 * i : 0, codec, telephoneEvent: stream.telephoneEvent };
      });
      const answer = parseSdp(buildSiprecAnswer(offer, streams, { host: '10.0.0.50', sessionId: '77', version: 1 }));
      expect(answer.media.map((m) => String(m.label))).toEqual(expected.labels);
      expect(answer.media.map((m) => m.port)).toEqual(streams.map((s) => s.port));
      const answeredDirection = expected.direction === 'inactive' ? 'inactive' : 'recvonly';
      expect(answer.media.map((m) => m.direction)).toEqual(
        streams.map((s) => (s.port === 0 ? undefined : answeredDirection)),
      );
      expect(answer.media.map((m) => m.protocol)).toEqual(expected.labels.map(() => expected.protocol));
    });
  });

  it('details: draft names, prefixed entities, the mixed stream and the SRTP keys', () => {
    const parse = (name: string) => {
      const { headerLines, body } = splitInvite(name);
      return parseSiprecOffer(header(headerLines, 'Content-Type'), body);
    };
    expect(parse('rfc7865-generic').metadata?.participants.map((p) => p.name)).toEqual([
      'Jürgen Müller',
      'Support & Sales',
    ]);
    expect(parse('sonus-prefixed').metadata?.participants.map((p) => p.name)).toEqual(['Front Desk', undefined]);
    const avaya = parse('avaya-three-streams').metadata!;
    expect(participantsSending(avaya, '30').map((p) => aorUser(p.aor ?? ''))).toEqual(['+31201234567', '4410']);
    const srtp = parse('srtp-offer').streams[0]!;
    expect(srtp.crypto.map((c) => c.suite)).toEqual(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);
    expect(srtp.crypto[0]?.keyParams).toMatch(/^inline:[A-Za-z0-9+/=]+\|2\^31$/);
  });
});

describe('readVendorInvite', () => {
  it.each(Object.keys(expectations))(
    '%s: CRLF lines, headers by lower-case name, a Content-Length in bytes',
    (name) => {
      const invite = readVendorInvite(name);
      expect(invite.raw).not.toMatch(/(^|[^\r])\n/);
      expect(invite.raw.startsWith('INVITE ')).toBe(true);
      expect(invite.raw.endsWith(`\r\n\r\n${invite.body}`)).toBe(true);
      expect(invite.body).toBe(splitInvite(name).body);
      expect(invite.headers.get('require')).toBe('siprec');
      expect(invite.headers.get('content-length')).toBe(String(Buffer.byteLength(invite.body)));
      expect(invite.raw).toContain(`\r\nContent-Length: ${Buffer.byteLength(invite.body)}\r\n`);
    },
  );

  it('counts UTF-8 names in bytes, not characters', () => {
    const invite = readVendorInvite('rfc7865-generic.sip');
    expect(invite.body).toContain('Jürgen Müller');
    expect(Number(invite.headers.get('content-length'))).toBeGreaterThan(invite.body.length);
  });
});
