import { randomBytes } from 'node:crypto';

/** A SIP message as text on the wire (RFC 3261): start line, headers, blank line, body. */
export interface SipMessage {
  startLine: string;
  headers: Array<[string, string]>;
  body: string;
}

export function formatSip(message: SipMessage): string {
  const headers = message.headers.filter(([name]) => name.toLowerCase() !== 'content-length');
  headers.push(['Content-Length', String(Buffer.byteLength(message.body))]);
  return `${message.startLine}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${message.body}`;
}

export function parseSip(text: string): SipMessage {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('SIP message without the blank line after its headers');
  const [startLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed SIP header: ${line}`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  return { startLine, headers, body: text.slice(split + 4) };
}

export function sipHeader(message: SipMessage, name: string): string | undefined {
  return message.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** `METHOD uri SIP/2.0` -> method and request URI. */
export function sipRequestLine(message: SipMessage): { method: string; uri: string } {
  const [method = '', uri = ''] = message.startLine.split(' ');
  return { method, uri };
}

/** `sip:user@host;a=1;b` -> user, host and parameters (a flag parameter maps to ''). */
export function parseSipUri(uri: string): { user: string; host: string; params: Map<string, string> } {
  const [address = '', ...params] = uri.replace(/^<|>$/g, '').replace(/^sip:/, '').split(';');
  const [user = '', host = ''] = address.includes('@') ? address.split('@') : ['', address];
  return {
    user,
    host,
    params: new Map(params.map((p) => [p.split('=')[0] ?? p, p.split('=').slice(1).join('=')])),
  };
}

export function sipBranch(): string {
  return `z9hG4bK${randomBytes(6).toString('hex')}`;
}

export function sipTag(): string {
  return randomBytes(4).toString('hex');
}

/** The response to `request`, copying the headers RFC 3261 section 8.2.6 says to copy. */
export function sipResponse(
  request: SipMessage,
  status: string,
  extra: Array<[string, string]> = [],
  body = '',
): SipMessage {
  const copied = request.headers.filter(([n]) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(n.toLowerCase()));
  return { startLine: `SIP/2.0 ${status}`, headers: [...copied, ...extra], body };
}
