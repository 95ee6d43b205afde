import type { SipMessage } from '../sip/sip-message.ts';

/** RFC 3261 section 7.3.3: the compact header names real user agents send. */
const compactHeaderNames: Record<string, string> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
};

export class SipWireError extends Error {}

/**
 * Reads a SIP message as it comes off the network: CRLF or bare LF line endings, folded header
 * lines, compact header names (given their full names), the body cut at Content-Length when
 * there is one. Throws SipWireError for something that is not a SIP message.
 */
export function parseSipWire(bytes: Buffer): SipMessage {
  // Leading CRLFs are keep-alives (RFC 5626) that arrived with the message.
  const text = bytes.toString('utf8').replace(/^\s+/, '');
  const split = /\r?\n\r?\n/.exec(text);
  const head = split ? text.slice(0, split.index) : text;
  let body = split ? text.slice(split.index + split[0].length) : '';
  const lines = head.split(/\r?\n/);
  const startLine = (lines.shift() ?? '').trim();
  if (!/^[A-Za-z]+ \S+ SIP\/2\.0$/.test(startLine) && !/^SIP\/2\.0 [1-6][0-9]{2}( .*)?$/.test(startLine)) {
    throw new SipWireError(`not a SIP start line: ${startLine.slice(0, 80)}`);
  }
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipWireError(`malformed SIP header: ${line.slice(0, 80)}`);
    const name = line.slice(0, colon).trim();
    headers.push([compactHeaderNames[name.toLowerCase()] ?? name, line.slice(colon + 1).trim()]);
  }
  const length = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new SipWireError(`bad Content-Length: ${length}`);
    // Content-Length counts bytes; the body is text, so cut it as bytes.
    const bodyBytes = Buffer.from(body, 'utf8');
    if (Number(length) < bodyBytes.length) body = bodyBytes.subarray(0, Number(length)).toString('utf8');
  }
  return { startLine, headers, body };
}

/** The header's values, one per line or comma-separated on one line (Via, Require, Supported). */
export function sipHeaderValues(message: SipMessage, name: string): string[] {
  const lower = name.toLowerCase();
  return message.headers
    .filter(([n]) => n.toLowerCase() === lower)
    .flatMap(([, value]) => splitOutsideQuotes(value))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '<') angle++;
    else if (!quoted && char === '>') angle = Math.max(0, angle - 1);
    if (char === ',' && !quoted && angle === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** A header parameter: `tag` of `"Bob" <sip:b@x>;tag=12`, `branch` of a Via. */
export function sipParam(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const afterAddress = value.includes('>') ? value.slice(value.lastIndexOf('>') + 1) : value;
  const match = new RegExp(`;\\s*${name}\\s*=\\s*([^;,\\s]+)`, 'i').exec(afterAddress);
  return match?.[1];
}

/** The URI inside a name-addr (`"A" <sip:a@h;x>;tag=1` -> `sip:a@h;x`) or an addr-spec. */
export function sipAddressUri(value: string): string {
  const angle = /<([^>]*)>/.exec(value);
  if (angle) return angle[1]!.trim();
  return value.split(';')[0]!.trim();
}

/**
 * Cuts a SIP stream (TCP) into messages by their Content-Length. CRLFs between messages are
 * keep-alives (RFC 5626): a double one is a ping, which `onPing` may answer.
 */
export class SipStreamFramer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onPing: () => void = () => undefined) {}

  /** Bytes held back waiting for the rest of a message. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    for (;;) {
      let start = 0;
      while (this.pending[start] === 0x0d || this.pending[start] === 0x0a) start++;
      if (start >= 4) this.onPing();
      this.pending = this.pending.subarray(start);
      const headEnd = this.pending.indexOf('\r\n\r\n');
      if (headEnd < 0) return messages;
      const head = this.pending.subarray(0, headEnd).toString('latin1');
      const length = Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
      const end = headEnd + 4 + length;
      if (this.pending.length < end) return messages;
      messages.push(this.pending.subarray(0, end));
      this.pending = this.pending.subarray(end);
    }
  }
}
