import { parse as parseSdp } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import {
  buildSiprecAnswer,
  multipartParts,
  parseContentType,
  parseSiprecOffer,
  recordableCodec,
  SiprecOfferError,
} from './siprec-offer.ts';
import type { OfferedStream } from './siprec-offer.ts';

const twoStreamSdp = [
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.1',
  's=-',
  'c=IN IP4 192.0.2.1',
  't=0 0',
  'm=audio 4000 RTP/AVP 0 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=label:1',
  'a=sendonly',
  'm=audio 4002 RTP/AVP 8',
  'a=label:2',
  'a=sendonly',
  '',
].join('\r\n');

const metadataXml = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<recording xmlns="urn:ietf:params:xml:ns:recording:1">',
  '<participant participant_id="p1"><nameID aor="sip:100@pbx"/></participant>',
  '<stream stream_id="s1"><label>1</label></stream>',
  '<participantstreamassoc participant_id="p1"><send>s1</send></participantstreamassoc>',
  '</recording>',
].join('\r\n');

function multipart(boundary: string, parts: string[], eol = '\r\n'): string {
  return `${parts.map((part) => `--${boundary}${eol}${part}${eol}`).join('')}--${boundary}--${eol}`;
}

function statusOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof SiprecOfferError) return error.status;
    throw error;
  }
  return undefined;
}

describe('parseContentType', () => {
  it('reads quoted and bare boundaries, with parameter names in any case', () => {
    expect(parseContentType('multipart/mixed;boundary=unique-boundary-1').params.get('boundary')).toBe(
      'unique-boundary-1',
    );
    const quoted = parseContentType('Multipart/Mixed; Boundary="----=_Part; 1"; charset=utf-8');
    expect(quoted.type).toBe('multipart/mixed');
    expect(quoted.params.get('boundary')).toBe('----=_Part; 1');
    expect(quoted.params.get('charset')).toBe('utf-8');
  });
});

describe('multipartParts', () => {
  const sdpPart = 'Content-Type: application/sdp\r\n\r\nv=0\r\nm=audio 1 RTP/AVP 0';

  it('drops preamble and epilogue and cuts each part before the CRLF of the next delimiter', () => {
    const body = `This is a multi-part message in MIME format.\r\n${multipart('b1', [sdpPart, 'Content-Type: application/gtd\r\n\r\nIAM,'])}trailing epilogue\r\n`;
    const parts = multipartParts(body, 'b1');
    expect(parts.map((p) => p.headers.get('content-type'))).toEqual(['application/sdp', 'application/gtd']);
    expect(parts[0]?.content).toBe('v=0\r\nm=audio 1 RTP/AVP 0');
    expect(parts[1]?.content).toBe('IAM,');
  });

  it('reads bodies with bare LF line ends', () => {
    const body = multipart('lf', ['Content-Type: application/sdp\n\nv=0\nm=audio 1 RTP/AVP 0'], '\n');
    expect(multipartParts(body, 'lf')[0]?.content).toBe('v=0\nm=audio 1 RTP/AVP 0');
  });

  it('takes part header names in any case and joins folded header lines', () => {
    const [part] = multipartParts(
      multipart('b', [
        'CONTENT-TYPE: application/sdp\r\ncontent-disposition: session;\r\n handling=required\r\n\r\nv=0',
      ]),
      'b',
    );
    expect(part?.headers.get('content-type')).toBe('application/sdp');
    expect(part?.headers.get('content-disposition')).toBe('session; handling=required');
  });

  it('does not take a longer boundary-like line, or a boundary inside a line, for a delimiter', () => {
    const body = multipart('b', ['Content-Type: text/plain\r\n\r\n--b2 is not it\r\nsee --b here']);
    expect(multipartParts(body, 'b')[0]?.content).toBe('--b2 is not it\r\nsee --b here');
  });

  it('accepts transport padding after a delimiter and a body without its closing delimiter', () => {
    const body = `--b \t\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b\r\nContent-Type: application/rs-metadata\r\n\r\n<recording/>\r\n`;
    const parts = multipartParts(body, 'b');
    expect(parts.map((p) => p.content)).toEqual(['v=0', '<recording/>\r\n']);
  });

  it('keeps a part without headers whole', () => {
    expect(multipartParts(multipart('b', ['\r\nv=0']), 'b')[0]?.content).toBe('v=0');
    expect(multipartParts(multipart('b', ['v=0\r\nm=audio 1 RTP/AVP 0']), 'b')[0]?.content).toBe(
      'v=0\r\nm=audio 1 RTP/AVP 0',
    );
  });
});

describe('parseSiprecOffer', () => {
  it('reads a multipart body of SDP and metadata, whichever part comes first', () => {
    for (const order of [
      [
        `Content-Type: application/sdp\r\n\r\n${twoStreamSdp}`,
        `Content-Type: application/rs-metadata+xml\r\n\r\n${metadataXml}`,
      ],
      [
        `Content-Type: application/rs-metadata\r\n\r\n${metadataXml}`,
        `Content-Type: application/sdp\r\n\r\n${twoStreamSdp}`,
      ],
    ]) {
      const offer = parseSiprecOffer('multipart/mixed;boundary=xyz', multipart('xyz', order));
      expect(offer.streams.map((s) => s.label)).toEqual(['1', '2']);
      expect(offer.metadata?.participants[0]?.aor).toBe('sip:100@pbx');
      expect(offer.sdp).toBe(twoStreamSdp);
    }
  });

  it('reads a plain SDP INVITE without metadata', () => {
    const offer = parseSiprecOffer('application/sdp', twoStreamSdp);
    expect(offer.streams).toHaveLength(2);
    expect(offer.metadata).toBeUndefined();
    expect(offer.metadataProblem).toBeUndefined();
  });

  it('keeps the offer when its metadata cannot be read, and says why', () => {
    const offer = parseSiprecOffer(
      'multipart/mixed;boundary=m',
      multipart('m', [
        `Content-Type: application/sdp\r\n\r\n${twoStreamSdp}`,
        'Content-Type: application/rs-metadata+xml\r\n\r\n<recording><participant></recording>',
      ]),
    );
    expect(offer.streams).toHaveLength(2);
    expect(offer.metadata).toBeUndefined();
    expect(offer.metadataProblem).toMatch(/malformed recording metadata/);
  });

  it('finds a metadata part by its recording-session disposition', () => {
    const offer = parseSiprecOffer(
      'multipart/mixed;boundary=m',
      multipart('m', [
        `Content-Type: application/sdp\r\n\r\n${twoStreamSdp}`,
        `Content-Type: application/xml\r\nContent-Disposition: recording-session\r\n\r\n${metadataXml}`,
      ]),
    );
    expect(offer.metadata?.streams).toEqual([{ id: 's1', label: '1' }]);
  });

  it('answers 400 for a malformed body', () => {
    const sdpPart = `Content-Type: application/sdp\r\n\r\n${twoStreamSdp}`;
    expect(statusOf(() => parseSiprecOffer('multipart/mixed', multipart('x', [sdpPart])))).toBe(400);
    expect(statusOf(() => parseSiprecOffer('multipart/mixed;boundary=other', multipart('x', [sdpPart])))).toBe(400);
    expect(statusOf(() => parseSiprecOffer('application/sdp', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n'))).toBe(400);
    expect(statusOf(() => parseSiprecOffer(undefined, twoStreamSdp))).toBe(400);
  });

  it('answers 415 for a body it cannot read', () => {
    expect(statusOf(() => parseSiprecOffer('text/plain', 'hello'))).toBe(415);
    expect(statusOf(() => parseSiprecOffer('application/json', '{"sdp":""}'))).toBe(415);
    const noSdp = multipart('x', [`Content-Type: application/rs-metadata+xml\r\n\r\n${metadataXml}`]);
    expect(statusOf(() => parseSiprecOffer('multipart/mixed;boundary=x', noSdp))).toBe(415);
  });

  it('answers 488 when there is nothing to record', () => {
    expect(statusOf(() => parseSiprecOffer(undefined, ''))).toBe(488);
    const videoOnly =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';
    expect(statusOf(() => parseSiprecOffer('application/sdp', videoOnly))).toBe(488);
  });
});

describe('offered streams', () => {
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.1',
    's=-',
    'c=IN IP4 192.0.2.1',
    't=0 0',
    'a=sendonly',
    'm=audio 4000 RTP/AVP 18 0 8 9 3 13 96 97 98',
    'c=IN IP4 198.51.100.9',
    'a=rtpmap:96 telephone-event/16000',
    'a=rtpmap:97 telephone-event/8000',
    'a=fmtp:97 0-15',
    'a=ptime:30',
    'a=label:01',
    'a=inactive',
    'm=audio 4002 RTP/AVP 96 0',
    'a=rtpmap:96 opus/48000/2',
    'a=label:16777228',
    'm=video 0 RTP/AVP 31',
    '',
  ].join('\r\n');
  const [first, second, video] = parseSiprecOffer('application/sdp', sdp).streams as [
    OfferedStream,
    OfferedStream,
    OfferedStream,
  ];

  it('names static payload types without an rtpmap and upper-cases rtpmap names', () => {
    expect(first.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual([
      '18 G729/8000',
      '0 PCMU/8000',
      '8 PCMA/8000',
      '9 G722/8000',
      '3 GSM/8000',
      '13 CN/8000',
      '96 TELEPHONE-EVENT/16000',
      '97 TELEPHONE-EVENT/8000',
    ]);
    expect(first.telephoneEvent).toBe(97);
    expect(first.formats).toEqual(['18', '0', '8', '9', '3', '13', '96', '97', '98']);
    expect(second.codecs).toEqual([
      { payloadType: 96, name: 'OPUS', clockRate: 48000, channels: 2 },
      { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
    ]);
  });

  it('takes direction and address from the media level first, then the session level', () => {
    expect([first.direction, second.direction, video.direction]).toEqual(['inactive', 'sendonly', 'sendonly']);
    expect([first.address, second.address]).toEqual(['198.51.100.9', '192.0.2.1']);
    expect(parseSiprecOffer('application/sdp', 'v=0\r\nm=audio 1 RTP/AVP 0\r\n').streams[0]?.direction).toBe(
      'sendrecv',
    );
  });

  it('keeps labels as written, leading zeros included', () => {
    expect([first.label, second.label, video.label]).toEqual(['01', '16777228', undefined]);
    expect([first.index, second.index, video.index]).toEqual([0, 1, 2]);
    expect([first.port, second.port, video.port]).toEqual([4000, 4002, 0]);
    expect([first.ptimeMs, second.ptimeMs]).toEqual([30, undefined]);
  });

  it('records with the first codec Vox decodes, never a stereo or wide-clock one', () => {
    expect(recordableCodec(first)?.name).toBe('PCMU');
    expect(recordableCodec(second)?.name).toBe('PCMU');
    expect(recordableCodec(video)).toBeUndefined();
    const g729Only = parseSiprecOffer(
      'application/sdp',
      'v=0\r\nm=audio 1 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n',
    );
    expect(recordableCodec(g729Only.streams[0]!)).toBeUndefined();
    const g722First = parseSiprecOffer('application/sdp', 'v=0\r\nm=audio 1 RTP/AVP 18 9 8\r\n');
    expect(recordableCodec(g722First.streams[0]!)?.name).toBe('G722');
  });
});

describe('buildSiprecAnswer', () => {
  const offer = parseSiprecOffer(
    'application/sdp',
    [
      'v=0',
      'o=- 7 7 IN IP4 192.0.2.1',
      's=-',
      'c=IN IP4 192.0.2.1',
      't=0 0',
      'm=audio 4000 RTP/AVP 18 8 101',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=label:caller',
      'a=sendonly',
      'm=audio 4002 RTP/AVP 18 101',
      'a=rtpmap:101 telephone-event/8000',
      'a=label:callee',
      'a=sendonly',
      'm=audio 4004 RTP/AVP 0',
      'a=label:paused',
      'a=inactive',
      '',
    ].join('\r\n'),
  );
  const [caller, , paused] = offer.streams as [OfferedStream, OfferedStream, OfferedStream];
  const answer = buildSiprecAnswer(
    offer,
    [
      { port: 30000, codec: recordableCodec(caller), telephoneEvent: caller.telephoneEvent },
      { port: 0, codec: undefined, telephoneEvent: undefined },
      { port: 30004, codec: recordableCodec(paused), telephoneEvent: undefined },
    ],
    { host: '10.0.0.50', sessionId: '4242', version: 3 },
  );
  const parsed = parseSdp(answer);

  it('writes CRLF lines with the origin and connection of the SRS', () => {
    expect(answer.split('\r\n').every((line) => !line.includes('\n'))).toBe(true);
    expect(answer.endsWith('\r\n')).toBe(true);
    expect(parsed.origin).toMatchObject({ sessionId: 4242, sessionVersion: 3, address: '10.0.0.50', ipVer: 4 });
    expect(parsed.connection).toEqual({ version: 4, ip: '10.0.0.50' });
  });

  it('answers every m-line in offer order, echoing labels, receive-only or inactive', () => {
    expect(parsed.media.map((m) => [String(m.label), m.port, m.direction])).toEqual([
      ['caller', 30000, 'recvonly'],
      ['callee', 0, undefined],
      ['paused', 30004, 'inactive'],
    ]);
  });

  it('names the chosen codec and telephone-event with the offer’s events and ptime', () => {
    const [accepted, refused] = parsed.media;
    expect(String(accepted?.payloads)).toBe('8 101');
    expect(accepted?.rtp).toEqual([
      { payload: 8, codec: 'PCMA', rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(accepted?.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(accepted?.ptime).toBe(20);
    expect(String(refused?.payloads)).toBe('18 101');
  });

  it('writes an IPv6 origin and the crypto line of an accepted SRTP stream', () => {
    const srtp = parseSiprecOffer(
      'application/sdp',
      'v=0\r\nm=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^31\r\na=sendonly\r\n',
    );
    const v6 = parseSdp(
      buildSiprecAnswer(
        srtp,
        [
          {
            port: 6000,
            codec: srtp.streams[0]?.codecs[0],
            telephoneEvent: undefined,
            crypto: '1 AES_CM_128_HMAC_SHA1_80 inline:BBBB',
          },
        ],
        { host: '2001:db8::5', sessionId: '1', version: 1 },
      ),
    );
    expect(v6.connection).toEqual({ version: 6, ip: '2001:db8::5' });
    expect(v6.media[0]?.protocol).toBe('RTP/SAVP');
    expect(v6.media[0]?.crypto).toEqual([{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:BBBB' }]);
  });

  it('refuses to answer with a different number of streams than offered', () => {
    expect(() => buildSiprecAnswer(offer, [], { host: '10.0.0.50', sessionId: '1', version: 1 })).toThrow(
      /one stream per offered m-line/,
    );
  });
});
