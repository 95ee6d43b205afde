import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Why the SRS turns an INVITE down: 400 its body is malformed, 415 it is of a type (or holds a
 * document) the SRS cannot read, 488 nothing in it can be recorded.
 * Declared here rather than beside the offer parser so that the offer parser can use the metadata
 * parser without the two modules importing each other.
 */
export class SiprecOfferError extends Error {
  constructor(
    readonly status: 400 | 415 | 488,
    message: string,
  ) {
    super(message);
    this.name = 'SiprecOfferError';
  }
}

export interface SiprecParticipant {
  id: string;
  aor: string | undefined;
  name: string | undefined;
  /** ids of the metadata streams this participant sends */
  sends: string[];
}

export interface SiprecStream {
  id: string;
  /** the a=label of the SDP m-line that carries this stream */
  label: string;
}

export interface SiprecMetadata {
  /** RFC 7865, or the older drafts and the vendor forms derived from them (Acme/Oracle, BroadWorks) */
  form: 'rfc7865' | 'draft';
  sessionId: string | undefined;
  participants: SiprecParticipant[];
  streams: SiprecStream[];
}

type XmlElement = Record<string, unknown>;

// Namespaces are dropped: SRCs put the same elements under `recording`, `recording:1` or a prefix
// (Sonus `tns:`), and vendor extensions sit in their own namespaces that the SRS ignores. Values
// stay strings: labels such as `01` or `16777227` must not turn into numbers.
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** The children called `name`, each as an element (a text-only child comes back from the parser as a bare string). */
function children(parent: XmlElement | undefined, name: string): XmlElement[] {
  const value = parent?.[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item): XmlElement =>
    typeof item === 'object' && item !== null ? (item as XmlElement) : { '#text': String(item) },
  );
}

function text(element: XmlElement | undefined): string | undefined {
  const value = element?.['#text'];
  if (value === undefined) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

function attribute(element: XmlElement | undefined, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = element?.[name];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** Stream ids named by `<send>` elements: the id as text, or (BroadWorks) inside `<id>` children. */
function sentStreamIds(parent: XmlElement): string[] {
  return children(parent, 'send').flatMap((send) => {
    const ids = children(send, 'id').map(text);
    return [text(send), ...ids].filter((id): id is string => id !== undefined);
  });
}

function readParticipant(element: XmlElement, associations: XmlElement[]): SiprecParticipant {
  const id = attribute(element, 'participant_id', 'id') ?? '';
  const nameIds = children(element, 'nameID');
  // RFC 7865 and the Acme draft put the AoR in nameID's attribute; BroadWorks writes an <aor> element.
  const aor =
    nameIds.map((n) => attribute(n, 'aor') ?? text(children(n, 'aor')[0])).find((a) => a !== undefined) ??
    text(children(element, 'aor')[0]);
  const name =
    nameIds.map((n) => text(children(n, 'name')[0])).find((n) => n !== undefined) ?? text(children(element, 'name')[0]);
  const associated = associations
    .filter((association) => attribute(association, 'participant_id', 'participant') === id)
    .flatMap(sentStreamIds);
  return { id, aor, name, sends: [...new Set([...sentStreamIds(element), ...associated])] };
}

/**
 * Reads the recording metadata of a SIPREC INVITE or re-INVITE: RFC 7865's `<recording>`, the
 * older draft form (`id`/`session` attributes, `<send>` inside `<participant>`), BroadWorks'
 * `<recording_metadata>`, with or without namespace prefixes.
 */
export function parseSiprecMetadata(xml: string): SiprecMetadata {
  const document = xml.replace(/^\uFEFF/, '').trim();
  if (!document.startsWith('<')) throw new SiprecOfferError(415, 'the recording metadata is not XML');
  const validation = XMLValidator.validate(document);
  if (validation !== true) {
    throw new SiprecOfferError(
      400,
      `malformed recording metadata: ${validation.err.msg} (line ${validation.err.line})`,
    );
  }
  const parsed = xmlParser.parse(document) as XmlElement;
  const rootName = ['recording', 'recording_metadata'].find((name) => name in parsed);
  const root = rootName === undefined ? undefined : children(parsed, rootName)[0];
  if (rootName === undefined || root === undefined) {
    const found = Object.keys(parsed).find((key) => !key.startsWith('?')) ?? 'nothing';
    throw new SiprecOfferError(415, `the metadata holds <${found}>, not a SIPREC <recording>`);
  }

  const participantElements = children(root, 'participant');
  const streamElements = children(root, 'stream');
  const associations = children(root, 'participantstreamassoc');
  const session = children(root, 'session')[0];

  const streams = streamElements.flatMap((element) => {
    const label = text(children(element, 'label')[0]);
    return label === undefined ? [] : [{ id: attribute(element, 'stream_id', 'id') ?? '', label }];
  });
  const draftShaped =
    rootName === 'recording_metadata' ||
    participantElements.some((p) => attribute(p, 'participant_id') === undefined && attribute(p, 'id') !== undefined) ||
    streamElements.some((s) => attribute(s, 'stream_id') === undefined && attribute(s, 'id') !== undefined);

  return {
    form: draftShaped ? 'draft' : 'rfc7865',
    sessionId: attribute(session, 'session_id', 'id'),
    participants: participantElements.map((element) => readParticipant(element, associations)),
    streams,
  };
}

/** Every participant that sends the stream carrying this a=label (more than one for a mixed stream). */
export function participantsSending(metadata: SiprecMetadata, label: string): SiprecParticipant[] {
  const streamIds = new Set(metadata.streams.filter((s) => s.label === label.trim()).map((s) => s.id));
  return metadata.participants.filter((p) => p.sends.some((id) => streamIds.has(id)));
}

/**
 * The participant that sends the stream with this a=label, or undefined when the metadata does not
 * say, or names several senders (a mixed stream has no single speaker).
 */
export function participantSending(metadata: SiprecMetadata, label: string): SiprecParticipant | undefined {
  const senders = participantsSending(metadata, label);
  return senders.length === 1 ? senders[0] : undefined;
}

/**
 * The user part of an AoR: 'sip:+4930123@host;user=phone' -> '+4930123', 'tel:+1555' -> '+1555',
 * '<sip:7001@pbx>' -> '7001'. Sonus leaves out the scheme ('2249888500@host'); BroadWorks writes
 * numbers without a host ('sip:02077705371'), so a host-only URI counts when it is a number.
 */
export function aorUser(aor: string): string | undefined {
  const bracketed = /<([^>]*)>/.exec(aor);
  const uri = (bracketed ? (bracketed[1] ?? '') : aor).trim();
  const scheme = /^(sips?|tel):/i.exec(uri)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? uri : uri.slice(scheme.length + 1);
  const at = rest.indexOf('@');
  let user: string;
  if (at >= 0) user = rest.slice(0, at);
  else {
    const beforeParameters = rest.split(';')[0] ?? '';
    if (scheme !== 'tel' && !/^\+?[\d*#]+$/.test(beforeParameters)) return undefined;
    user = beforeParameters;
  }
  // A user part may carry its own parameters (`+1555;npdi@host`) and escapes (`%2B1555`).
  user = (user.split(';')[0] ?? '').trim();
  try {
    user = decodeURIComponent(user);
  } catch {
    // a stray % is not an escape: keep the text as it came
  }
  return user === '' ? undefined : user;
}
