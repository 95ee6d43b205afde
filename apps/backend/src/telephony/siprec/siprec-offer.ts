import { parse as parseSdp } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { parseSiprecMetadata, SiprecOfferError } from './siprec-metadata.ts';
import type { SiprecMetadata } from './siprec-metadata.ts';

export { SiprecOfferError };

export interface OfferedCodec {
  payloadType: number;
  /** upper case: PCMU, PCMA, G722, G729, TELEPHONE-EVENT... */
  name: string;
  /** the RTP clock: 8000 for G.722 although it carries 16 kHz audio (RFC 3551 section 4.5.2) */
  clockRate: number;
  channels: number;
}

/** An a=crypto line of an SRTP offer (RFC 4568). */
export interface OfferedCrypto {
  tag: number;
  suite: string;
  keyParams: string;
  sessionParams: string | undefined;
}

export interface OfferedStream {
  /** m-line position in the offer */
  index: number;
  media: string;
  label: string | undefined;
  port: number;
  /** media or session c= address */
  address: string | undefined;
  protocol: string;
  /** media-level, else session-level, else sendrecv */
  direction: 'sendonly' | 'sendrecv' | 'recvonly' | 'inactive';
  /** in offer order; payload types without a name (no rtpmap, not static) are left out */
  codecs: OfferedCodec[];
  /** payload type of telephone-event/8000 */
  telephoneEvent: number | undefined;
  ptimeMs: number | undefined;
  /** the m-line's format list as offered, for refusing it with the same formats */
  formats: string[];
  /** a=fmtp values by payload type */
  formatParameters: Map<number, string>;
  crypto: OfferedCrypto[];
}

export interface SiprecOffer {
  streams: OfferedStream[];
  metadata: SiprecMetadata | undefined;
  /**
   * Why a metadata part that was present could not be read. The offer is still usable: a
   * recording without participant names beats turning the call's recording down.
   */
  metadataProblem: string | undefined;
  /** the SDP part as received */
  sdp: string;
}

/** A MIME body part (RFC 2046): its headers, names in lower case, and its content. */
export interface BodyPart {
  headers: Map<string, string>;
  content: string;
}

/** Audio payload types of RFC 3551 section 6, which offers may list without an a=rtpmap. */
const staticPayloadTypes: ReadonlyMap<number, Omit<OfferedCodec, 'payloadType'>> = new Map([
  [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { name: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { name: 'G723', clockRate: 8000, channels: 1 }],
  [5, { name: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { name: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { name: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { name: 'G722', clockRate: 8000, channels: 1 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100, channels: 1 }],
  [12, { name: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { name: 'CN', clockRate: 8000, channels: 1 }],
  [15, { name: 'G728', clockRate: 8000, channels: 1 }],
  [18, { name: 'G729', clockRate: 8000, channels: 1 }],
]);

/** The codecs the recorder decodes (G.711 by table, G.722 through ffmpeg). */
const decodableCodecs = new Set(['PCMU', 'PCMA', 'G722']);

const metadataTypes = new Set(['application/rs-metadata+xml', 'application/rs-metadata']);

/** `type/subtype; name=value; name="quoted value"` -> the type in lower case and its parameters. */
export function parseContentType(value: string): { type: string; params: Map<string, string> } {
  const semicolon = value.indexOf(';');
  const type = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  const params = new Map<string, string>();
  if (semicolon >= 0) {
    const parameter = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
    for (const match of value.slice(semicolon).matchAll(parameter)) {
      const raw = (match[2] ?? '').trim();
      const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      params.set((match[1] ?? '').toLowerCase(), unquoted);
    }
  }
  return { type, params };
}

/** Where a delimiter line starts and its part's content begins; null when `at` is no delimiter line. */
function delimiterAt(body: string, at: number, delimiter: string): { contentStart: number; close: boolean } | null {
  if (at > 0 && body[at - 1] !== '\n') return null;
  let end = at + delimiter.length;
  const close = body.startsWith('--', end);
  if (close) end += 2;
  // RFC 2046 allows transport padding (linear white space) after the boundary.
  while (body[end] === ' ' || body[end] === '\t') end++;
  if (end < body.length && body[end] !== '\r' && body[end] !== '\n') return null;
  if (body[end] === '\r') end++;
  if (body[end] === '\n') end++;
  return { contentStart: end, close };
}

function withoutTrailingLineBreak(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** Headers up to the first empty line, folded lines joined; a part without headers is all content. */
function parseBodyPart(raw: string): BodyPart {
  const headers = new Map<string, string>();
  let position = 0;
  let lastName: string | undefined;
  while (position < raw.length) {
    const lineEnd = raw.indexOf('\n', position);
    const next = lineEnd < 0 ? raw.length : lineEnd + 1;
    const line = raw.slice(position, lineEnd < 0 ? raw.length : lineEnd).replace(/\r$/, '');
    if (line === '') return { headers, content: raw.slice(next) };
    if (/^[ \t]/.test(line) && lastName !== undefined) {
      headers.set(lastName, `${headers.get(lastName) ?? ''} ${line.trim()}`);
    } else {
      const header = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)[ \t]*:(.*)$/.exec(line);
      if (!header) return { headers, content: raw.slice(position) };
      lastName = (header[1] ?? '').toLowerCase();
      headers.set(lastName, (header[2] ?? '').trim());
    }
    position = next;
  }
  return { headers, content: '' };
}

/**
 * Splits a multipart body at its boundary (RFC 2046 section 5.1.1): preamble and epilogue are
 * dropped, CRLF and bare LF line ends are both accepted, and a body whose closing delimiter is
 * missing (some SRCs leave it out) keeps its last part. Per-part Content-Length headers are not
 * used to cut parts: the boundary is what delimits them, and SRCs get those lengths wrong.
 */
export function multipartParts(body: string, boundary: string): BodyPart[] {
  const delimiter = `--${boundary}`;
  const delimiters: Array<{ at: number; contentStart: number; close: boolean }> = [];
  for (let at = body.indexOf(delimiter); at >= 0; at = body.indexOf(delimiter, at + 1)) {
    const found = delimiterAt(body, at, delimiter);
    if (!found) continue;
    delimiters.push({ at, ...found });
    if (found.close) break;
  }
  const first = delimiters[0];
  if (first === undefined) throw new SiprecOfferError(400, `the multipart boundary "${boundary}" is not in the body`);
  if (first.close) throw new SiprecOfferError(400, 'the multipart body has no parts');
  const parts: BodyPart[] = [];
  for (const [i, start] of delimiters.entries()) {
    if (start.close) break;
    const end = delimiters[i + 1];
    const raw = end === undefined ? body.slice(start.contentStart) : body.slice(start.contentStart, end.at);
    parts.push(parseBodyPart(end === undefined ? raw : withoutTrailingLineBreak(raw)));
  }
  return parts;
}

/** A part's media type; one without Content-Type is taken for what it starts with. */
function partType(part: BodyPart): string {
  const declared = part.headers.get('content-type');
  if (declared !== undefined) return parseContentType(declared).type;
  const start = part.content.trimStart();
  if (start.startsWith('v=')) return 'application/sdp';
  if (start.startsWith('<')) return 'application/rs-metadata+xml';
  return 'text/plain';
}

function isMetadataPart(part: BodyPart): boolean {
  const type = partType(part);
  const disposition = parseContentType(part.headers.get('content-disposition') ?? '').type;
  return metadataTypes.has(type) || (disposition === 'recording-session' && /[/+]xml$/.test(type));
}

/** The SDP text and the metadata part (if any) of an INVITE body. */
function splitBody(contentType: string | undefined, body: string): { sdp: string; metadataXml: string | undefined } {
  if (contentType === undefined || contentType.trim() === '') {
    if (body.trim() === '') throw new SiprecOfferError(488, 'the INVITE carries no SDP offer');
    throw new SiprecOfferError(400, 'the INVITE has a body but no Content-Type');
  }
  const { type, params } = parseContentType(contentType);
  if (type === 'application/sdp') return { sdp: body, metadataXml: undefined };
  if (!type.startsWith('multipart/')) throw new SiprecOfferError(415, `cannot read a ${type} body`);
  const boundary = params.get('boundary');
  if (boundary === undefined || boundary === '') throw new SiprecOfferError(400, `${type} without a boundary`);
  const parts = multipartParts(body, boundary);
  const sdpPart = parts.find((part) => partType(part) === 'application/sdp');
  if (!sdpPart) {
    throw new SiprecOfferError(415, `no application/sdp part in the ${type} body (${parts.map(partType).join(', ')})`);
  }
  return { sdp: sdpPart.content, metadataXml: parts.find(isMetadataPart)?.content };
}

function offeredCodecs(media: MediaDescription): OfferedCodec[] {
  return String(media.payloads ?? '')
    .trim()
    .split(/\s+/)
    .flatMap((format): OfferedCodec[] => {
      const payloadType = Number(format);
      if (format === '' || !Number.isInteger(payloadType)) return [];
      const rtpmap = media.rtp.find((r) => Number(r.payload) === payloadType);
      const known = staticPayloadTypes.get(payloadType);
      if (rtpmap) {
        return [
          {
            payloadType,
            name: String(rtpmap.codec).toUpperCase(),
            clockRate: Number(rtpmap.rate ?? known?.clockRate ?? 8000),
            channels: Number(rtpmap.encoding ?? 1),
          },
        ];
      }
      return known ? [{ payloadType, ...known }] : [];
    });
}

function offeredStream(media: MediaDescription, index: number, session: SessionDescription): OfferedStream {
  const codecs = offeredCodecs(media);
  const ptime = Number(media.ptime ?? (session as { ptime?: number }).ptime);
  return {
    index,
    media: media.type,
    label: media.label === undefined ? undefined : String(media.label).trim(),
    port: Number(media.port),
    address: media.connection?.ip ?? session.connection?.ip,
    protocol: media.protocol,
    direction: media.direction ?? session.direction ?? 'sendrecv',
    codecs,
    telephoneEvent: codecs.find((c) => c.name === 'TELEPHONE-EVENT' && c.clockRate === 8000)?.payloadType,
    ptimeMs: Number.isFinite(ptime) && ptime > 0 ? ptime : undefined,
    formats: String(media.payloads ?? '')
      .trim()
      .split(/\s+/)
      .filter((f) => f !== ''),
    formatParameters: new Map(media.fmtp.map((f) => [Number(f.payload), String(f.config)])),
    crypto: (media.crypto ?? []).map((c) => ({
      tag: Number(c.id),
      suite: String(c.suite),
      keyParams: String(c.config),
      sessionParams: c.sessionConfig === undefined ? undefined : String(c.sessionConfig),
    })),
  };
}

/**
 * Reads the offer of a SIPREC INVITE (RFC 7866): a multipart/mixed body of SDP and recording
 * metadata, or SDP alone. `contentType` is the INVITE's Content-Type header value.
 */
export function parseSiprecOffer(contentType: string | undefined, body: string): SiprecOffer {
  const { sdp, metadataXml } = splitBody(contentType, body);
  const session = parseSdp(sdp);
  if (session.media.length === 0) throw new SiprecOfferError(400, 'the SDP offer has no m-lines');
  const streams = session.media.map((media, index) => offeredStream(media, index, session));
  if (!streams.some((s) => s.media === 'audio')) {
    throw new SiprecOfferError(488, `no audio in the offer (${streams.map((s) => s.media).join(', ')})`);
  }
  let metadata: SiprecMetadata | undefined;
  let metadataProblem: string | undefined;
  if (metadataXml !== undefined) {
    try {
      metadata = parseSiprecMetadata(metadataXml);
    } catch (error) {
      if (!(error instanceof SiprecOfferError)) throw error;
      metadataProblem = error.message;
    }
  }
  return { streams, metadata, metadataProblem, sdp };
}

/** The codec Vox records a stream with: the first of the offer's codecs Vox decodes (PCMU, PCMA, G722), or undefined. */
export function recordableCodec(stream: OfferedStream): OfferedCodec | undefined {
  if (stream.media !== 'audio') return undefined;
  return stream.codecs.find((c) => decodableCodecs.has(c.name) && c.clockRate === 8000 && c.channels === 1);
}

export interface AnsweredStream {
  /** 0 = refused */
  port: number;
  codec: OfferedCodec | undefined;
  telephoneEvent: number | undefined;
  /** the a=crypto value (`tag suite inline:key`) for an SRTP stream that is accepted */
  crypto?: string;
}

function rtpmap(payloadType: number, name: string, clockRate: number, channels: number): string {
  return `a=rtpmap:${payloadType} ${name}/${clockRate}${channels > 1 ? `/${channels}` : ''}`;
}

/**
 * SDP answer: one m-line per offered m-line in the same order, `a=recvonly` (or inactive when the
 * offer sends nothing), the offer's a=label echoed (SRCs such as OpenSIPS match streams by it),
 * port 0 for refused ones, c= with `host`, o= with sessionId/version.
 */
export function buildSiprecAnswer(
  offer: SiprecOffer,
  streams: AnsweredStream[],
  origin: { host: string; sessionId: string; version: number },
): string {
  if (streams.length !== offer.streams.length) {
    throw new Error(
      `an answer needs one stream per offered m-line: ${offer.streams.length} offered, ${streams.length} given`,
    );
  }
  const addressType = origin.host.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=- ${origin.sessionId} ${origin.version} IN ${addressType} ${origin.host}`,
    's=-',
    `c=IN ${addressType} ${origin.host}`,
    't=0 0',
  ];
  offer.streams.forEach((offered, i) => {
    const answered = streams[i]!;
    const label = offered.label === undefined ? [] : [`a=label:${offered.label}`];
    const codec = answered.codec;
    if (answered.port === 0 || codec === undefined) {
      lines.push(`m=${offered.media} 0 ${offered.protocol} ${offered.formats.join(' ') || '0'}`, ...label);
      return;
    }
    const telephoneEvent = answered.telephoneEvent;
    const formats = telephoneEvent === undefined ? [codec.payloadType] : [codec.payloadType, telephoneEvent];
    lines.push(
      `m=${offered.media} ${answered.port} ${offered.protocol} ${formats.join(' ')}`,
      rtpmap(codec.payloadType, codec.name, codec.clockRate, codec.channels),
    );
    if (telephoneEvent !== undefined) {
      lines.push(
        rtpmap(telephoneEvent, 'telephone-event', 8000, 1),
        `a=fmtp:${telephoneEvent} ${offered.formatParameters.get(telephoneEvent) ?? '0-15'}`,
      );
    }
    if (offered.ptimeMs !== undefined) lines.push(`a=ptime:${offered.ptimeMs}`);
    if (answered.crypto !== undefined) lines.push(`a=crypto:${answered.crypto}`);
    const offerSends = offered.direction === 'sendonly' || offered.direction === 'sendrecv';
    lines.push(...label, offerSends ? 'a=recvonly' : 'a=inactive');
  });
  return `${lines.join('\r\n')}\r\n`;
}
