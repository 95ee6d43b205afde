import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Whole SIPREC INVITEs in the forms real SRCs send, one `.sip` file per vendor form in this folder. */
const fixtureFolder = fileURLToPath(new URL('.', import.meta.url));

export interface VendorInvite {
  /** header names in lower case; a repeated header keeps its last value */
  headers: Map<string, string>;
  body: string;
  /** the whole message as sent: CRLF line ends and a Content-Length that counts the body's bytes */
  raw: string;
}

/** The fixture names, without `.sip`. */
export function vendorInviteNames(): string[] {
  return readdirSync(fixtureFolder)
    .filter((file) => file.endsWith('.sip'))
    .map((file) => file.slice(0, -'.sip'.length))
    .sort();
}

/**
 * Reads a fixture (`name` with or without `.sip`). Line ends are made CRLF and Content-Length is
 * recomputed, so a checkout that turned the files into LF, or an edit of a body, still gives a
 * message an SRS can frame over TCP.
 */
export function readVendorInvite(name: string): VendorInvite {
  const file = name.endsWith('.sip') ? name : `${name}.sip`;
  const text = readFileSync(`${fixtureFolder}/${file}`, 'utf8').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`${file}: no blank line after the headers`);
  const body = text.slice(split + 4);
  const contentLength = String(Buffer.byteLength(body, 'utf8'));
  const [startLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = new Map<string, string>();
  const lines = headerLines.map((line) => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${file}: malformed header line: ${line}`);
    const headerName = line.slice(0, colon).trim();
    const key = headerName.toLowerCase();
    const isLength = key === 'content-length' || key === 'l';
    const value = isLength ? contentLength : line.slice(colon + 1).trim();
    headers.set(key, value);
    return isLength ? `${headerName}: ${value}` : line;
  });
  return { headers, body, raw: `${[startLine, ...lines].join('\r\n')}\r\n\r\n${body}` };
}
