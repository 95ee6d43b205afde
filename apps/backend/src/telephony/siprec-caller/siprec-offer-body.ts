import { randomUUID } from 'node:crypto';
import { parse as parseSdp } from 'sdp-transform';
import { sipHeader, type SipMessage } from '../sip/sip-message.ts';
import { multipartParts, parseContentType } from '../siprec/siprec-offer.ts';
import { g711PayloadType, type G711Codec } from './rtp-sender.ts';
import { sipHost } from './sip-client-connection.ts';

/** The packet time offered, which the RTP of both legs keeps to. */
export const ptimeMs = 20;
const telephoneEventPayloadType = 101;
/** The a=label of the customer's leg and of the agent's, in the order of their m-lines. */
export const labels = ['1', '2'] as const;

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

export function offerSdp(offer: OfferShape): string {
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
export function recordingMetadata(customer: MetadataParty, agent: MetadataParty, startedAt: Date): string {
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

export function multipartBody(
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

export interface StreamTarget {
  label: string;
  address: string;
  port: number;
  /** false: refused (port 0) or made inactive */
  sending: boolean;
  /** payload type the SRS takes RFC 4733 events with; undefined: it takes none */
  telephoneEvent: number | undefined;
}

/** The SDP of a response: the body, or its application/sdp part. */
export function answerSdp(response: SipMessage): string | undefined {
  const contentType = parseContentType(sipHeader(response, 'Content-Type') ?? '');
  if (contentType.type === 'application/sdp') return response.body;
  const boundary = contentType.params.get('boundary');
  if (!contentType.type.startsWith('multipart/') || !boundary) return undefined;
  return multipartParts(response.body, boundary).find(
    (part) => parseContentType(part.headers.get('content-type') ?? '').type === 'application/sdp',
  )?.content;
}

/** The answer's m-line for each of our legs: by a=label when the SRS echoes them, else by position. */
export function streamTargets(sdp: string, fallbackAddress: string): StreamTarget[] {
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

export function describeTargets(targets: StreamTarget[]): string {
  return targets
    .map((t) =>
      t.port === 0
        ? `label ${t.label} refused (port 0)`
        : `label ${t.label} -> ${sipHost(t.address)}:${t.port}${t.sending ? '' : ' (inactive)'}`,
    )
    .join(', ');
}
