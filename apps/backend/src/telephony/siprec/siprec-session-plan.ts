import type { DnType } from '@vox/shared';
import type { DnDirectory } from '../sip-server/dn-directory.ts';
import { sipHeader, type SipMessage } from '../sip/sip-message.ts';
import { aorUser, participantSending } from './siprec-metadata.ts';
import { recordableCodec, type OfferedCodec, type OfferedStream, type SiprecOffer } from './siprec-offer.ts';
import { sipAddressUri } from './sip-wire.ts';
import type { SiprecCall } from './siprec-recording.ts';

/** A stream Vox records: the offer's m-line, the codec it decodes, and whose voice it is. */
export interface ChosenStream {
  stream: OfferedStream;
  codec: OfferedCodec;
  side: 'agent' | 'customer';
}

/** The tenant's DNs that are people: the agent's channel is the participant on one of them. */
const agentDnTypes: readonly DnType[] = ['Extension', 'ACDPosition'];
/** Stereo holds two: a third stream (Avaya's mixed one) is answered with port 0. */
const recordedStreamLimit = 2;

/** The first two audio streams Vox can record, or why none can be (the SRC hears it in a 488). */
export function chooseStreams(offer: SiprecOffer): ChosenStream[] | string {
  const audio = offer.streams.filter((s) => s.media === 'audio' && s.port !== 0);
  if (audio.length === 0) return 'the offer has no audio stream';
  const candidates = audio.slice(0, recordedStreamLimit);
  if (candidates.every((s) => /SAVP/i.test(s.protocol))) return 'SRTP (RTP/SAVP) is not supported: offer RTP/AVP';
  const chosen = candidates.flatMap((stream) => {
    const codec = /SAVP/i.test(stream.protocol) ? undefined : recordableCodec(stream);
    return codec ? [{ stream, codec, side: 'customer' as const }] : [];
  });
  if (chosen.length === 0) {
    const offered = [...new Set(candidates.flatMap((s) => s.codecs.map((c) => c.name)))].join(', ');
    return `no codec Vox records (PCMU, PCMA, G722) among ${offered || 'none'}`;
  }
  return chosen;
}

/** Whether the SRC sends any recorded stream (an all-inactive offer starts the recording paused). */
export function streamsActive(chosen: ChosenStream[]): boolean {
  return chosen.some((c) => c.stream.direction === 'sendonly' || c.stream.direction === 'sendrecv');
}

/**
 * The call behind a session, from its metadata: which stream is the agent's (the participant on a
 * DN of the tenant, otherwise stream 1, the left channel), ANI and DNIS (with the agent known, the
 * other party and the agent's DN; without, the metadata's first and second participants, then the
 * INVITE's From and To), and the attached data. Sets each chosen stream's side.
 */
export async function siprecCallOf(
  invite: SipMessage,
  offer: SiprecOffer,
  chosen: ChosenStream[],
  directory: Pick<DnDirectory, 'lookup'>,
): Promise<SiprecCall> {
  const metadata = offer.metadata;
  const participants = chosen.map((c) =>
    metadata && c.stream.label ? participantSending(metadata, c.stream.label) : undefined,
  );
  const numbers = participants.map((p) => (p?.aor ? aorUser(p.aor) : undefined));
  let agentIndex = -1;
  let agent: SiprecCall['agent'];
  for (const [i, number] of numbers.entries()) {
    if (!number) continue;
    const entry = await directory.lookup(number).catch(() => undefined);
    if (entry && (entry.agentId || agentDnTypes.includes(entry.type))) {
      agentIndex = i;
      agent = { dn: entry.dn, agentId: entry.agentId, group: entry.group };
      break;
    }
  }
  const sides = chosen.map((_, i): ChosenStream['side'] => (i === Math.max(0, agentIndex) ? 'agent' : 'customer'));
  chosen.forEach((c, i) => (c.side = sides[i]!));
  const listed = (metadata?.participants ?? []).map((p) => (p.aor ? aorUser(p.aor) : undefined));
  const customerIndex = sides.indexOf('customer');
  const customerNumber = agent
    ? ((customerIndex >= 0 ? numbers[customerIndex] : undefined) ?? listed.find((n) => n && n !== agent.dn))
    : listed[0];
  const dialled = agent?.dn ?? listed[1];
  const attachedData: Record<string, string> = {
    'siprec.callId': clip(sipHeader(invite, 'Call-ID') ?? ''),
    ...(metadata?.sessionId ? { 'siprec.sessionId': clip(metadata.sessionId) } : {}),
    'siprec.metadata': metadata ? metadata.form : 'none',
    'siprec.labels': clip(chosen.map((c) => `${c.stream.label ?? '-'}=${c.side}`).join(',')),
  };
  for (const [i, participant] of participants.entries()) {
    if (participant?.name) attachedData[`siprec.${sides[i]}.name`] = clip(participant.name);
    if (participant?.aor) attachedData[`siprec.${sides[i]}.aor`] = clip(participant.aor);
  }
  return {
    ani: customerNumber ?? numberIn(sipHeader(invite, 'From')) ?? 'anonymous',
    dnis: dialled ?? numberIn(sipHeader(invite, 'To')) ?? 'unknown',
    agent,
    attachedData,
  };
}

/**
 * The number in a From or To header. Without metadata these are often the SBC's and the
 * recorder's own addresses (`sip:10.20.30.1`, `sip:srs@...`), which are nobody's number.
 */
function numberIn(header: string | undefined): string | undefined {
  const user = header ? aorUser(sipAddressUri(header)) : undefined;
  return user && /^\+?[0-9*#]{2,32}$/.test(user) ? user : undefined;
}

/** Attached data values are at most 1024 characters. */
function clip(value: string): string {
  return value.slice(0, 1024);
}
