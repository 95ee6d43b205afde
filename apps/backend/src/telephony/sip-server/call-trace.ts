import type { TraceMessage } from '@vox/shared';

/** The ladder of one call: every SIP and MSML message in the order it was sent. */
export class CallTrace {
  private readonly messages: TraceMessage[] = [];

  add(from: string, to: string, text: string): void {
    const firstLine = text.split('\r\n', 1)[0] ?? '';
    const msml = /<(dialogstart|dialogend|send|result)\b/.exec(text)?.[1];
    const dtmf = /^Signal=(\S+)/m.exec(text)?.[1];
    const detail = msml ? ` (MSML ${msml})` : dtmf ? ` (DTMF ${dtmf})` : '';
    this.messages.push({
      seq: this.messages.length + 1,
      at: new Date().toISOString(),
      from,
      to,
      summary: `${firstLine}${detail}`,
      text,
    });
  }

  list(): TraceMessage[] {
    return [...this.messages];
  }
}
