import type { TraceMessage } from '@vox/shared';

/** The columns of the ladder, in the order a recording's messages travel. */
const knownOrder = ['SIP Server', 'Resource Manager'];

export interface LadderRow {
  message: TraceMessage;
  from: number;
  to: number;
  /** a note the element makes to itself (a health check, a failover) rather than a message */
  note: boolean;
  /** the message is a response (`SIP/2.0 200 OK`), drawn as a return arrow */
  response: boolean;
}

export interface LadderLayout {
  participants: string[];
  rows: LadderRow[];
}

/**
 * A sequence diagram of the call's SIP and MSML messages: one column per element (SIP Server,
 * Resource Manager, then each MCP as it appears), one row per message.
 */
export function ladderLayout(messages: TraceMessage[]): LadderLayout {
  const seen = new Set<string>();
  for (const m of messages) {
    seen.add(m.from);
    seen.add(m.to);
  }
  const participants = [
    ...knownOrder.filter((p) => seen.has(p)),
    ...[...seen].filter((p) => !knownOrder.includes(p)).sort((a, b) => a.localeCompare(b)),
  ];
  return {
    participants,
    rows: messages.map((message) => ({
      message,
      from: participants.indexOf(message.from),
      to: participants.indexOf(message.to),
      note: message.from === message.to,
      response: message.summary.startsWith('SIP/2.0'),
    })),
  };
}

/** Where in the call a message was sent, as mm:ss.mmm from the first message. */
export function offsetLabel(first: string, at: string): string {
  const ms = Math.max(0, Date.parse(at) - Date.parse(first));
  const minutes = Math.floor(ms / 60_000);
  const seconds = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return `+${String(minutes).padStart(2, '0')}:${seconds}`;
}
