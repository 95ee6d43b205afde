/**
 * The MSML (RFC 5707) bodies Vox's SIP Server sends to the MCP in SIP INFO, and the MCP's
 * parser for them. Only the recording subset is used: a `<dialogstart>` holding a `<record>`,
 * `<send event="pause|resume">` to the running dialog (RFC 5707 section 7.7: events to a
 * dialog), and `<dialogend>` to stop it.
 */

export interface MsmlRecordStart {
  kind: 'recordStart';
  /** the MCP connection the dialog runs on, `conn:<tag>` */
  target: string;
  /** dialog name: the recording id */
  dialogName: string;
  dest: string;
  format: string;
}

export interface MsmlDialogEnd {
  kind: 'dialogEnd';
  /** `conn:<tag>/dialog:<name>` */
  dialogId: string;
}

export type MsmlDialogEvent = 'pause' | 'resume';

export interface MsmlSend {
  kind: 'send';
  /** `conn:<tag>/dialog:<name>` */
  dialogId: string;
  event: MsmlDialogEvent;
}

export type MsmlRequest = MsmlRecordStart | MsmlDialogEnd | MsmlSend;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function msmlRecordStart(start: Omit<MsmlRecordStart, 'kind'>): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<msml version="1.1">',
    `  <dialogstart target="${escapeAttribute(start.target)}" name="${escapeAttribute(start.dialogName)}">`,
    `    <record id="rec" dest="${escapeAttribute(start.dest)}" format="${escapeAttribute(start.format)}" maxtime="14400s"/>`,
    '  </dialogstart>',
    '</msml>',
  ].join('\n');
}

export function msmlDialogEnd(dialogId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<msml version="1.1">',
    `  <dialogend id="${escapeAttribute(dialogId)}"/>`,
    '</msml>',
  ].join('\n');
}

export function msmlSend(dialogId: string, event: MsmlDialogEvent): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<msml version="1.1">',
    `  <send target="${escapeAttribute(dialogId)}" event="${event}"/>`,
    '</msml>',
  ].join('\n');
}

/** The MCP's answer in the 200 OK to an INFO: MSML `<result>`. */
export function msmlResult(response: number, description: string, dialogId?: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<msml version="1.1">',
    `  <result response="${response}">`,
    `    <description>${escapeAttribute(description)}</description>`,
    ...(dialogId ? [`    <dialogid>${escapeAttribute(dialogId)}</dialogid>`] : []),
    '  </result>',
    '</msml>',
  ].join('\n');
}

function attribute(element: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(element);
  return match?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export class MsmlParseError extends Error {}

export function parseMsml(body: string): MsmlRequest {
  if (!/<msml\s[^>]*version="1\.1"/.test(body)) throw new MsmlParseError('not an MSML 1.1 document');
  const dialogStart = /<dialogstart\b[^>]*>/.exec(body)?.[0];
  const record = /<record\b[^>]*\/?>/.exec(body)?.[0];
  if (dialogStart && record) {
    const target = attribute(dialogStart, 'target');
    const dialogName = attribute(dialogStart, 'name');
    const dest = attribute(record, 'dest');
    const format = attribute(record, 'format');
    if (!target || !dialogName || !dest || !format) {
      throw new MsmlParseError('<dialogstart> needs target and name, <record> needs dest and format');
    }
    return { kind: 'recordStart', target, dialogName, dest, format };
  }
  const dialogEnd = /<dialogend\b[^>]*\/?>/.exec(body)?.[0];
  if (dialogEnd) {
    const dialogId = attribute(dialogEnd, 'id');
    if (!dialogId) throw new MsmlParseError('<dialogend> needs an id');
    return { kind: 'dialogEnd', dialogId };
  }
  const send = /<send\b[^>]*\/?>/.exec(body)?.[0];
  if (send) {
    const dialogId = attribute(send, 'target');
    const event = attribute(send, 'event');
    if (!dialogId || (event !== 'pause' && event !== 'resume')) {
      throw new MsmlParseError('<send> needs a target dialog and event="pause" or event="resume"');
    }
    return { kind: 'send', dialogId, event };
  }
  throw new MsmlParseError('no MSML request this MCP supports (dialogstart/record, send pause|resume, dialogend)');
}
