import { describe, expect, it } from 'vitest';
import type { TraceMessage } from '@vox/shared';
import { ladderLayout, offsetLabel } from './ladder-layout.ts';

const message = (seq: number, from: string, to: string, summary: string): TraceMessage => ({
  seq,
  at: new Date(Date.UTC(2026, 10, 30, 10, 0, 0, seq * 10)).toISOString(),
  from,
  to,
  summary,
  text: summary,
});

describe('the ladder layout', () => {
  it('puts SIP Server, Resource Manager and then the MCPs in columns, one row per message', () => {
    const layout = ladderLayout([
      message(1, 'SIP Server', 'Resource Manager', 'INVITE sip:msml=1f2e@rm.vox.local:5070;dn=7001;record SIP/2.0'),
      message(2, 'Resource Manager', 'MCP mcp2', 'INVITE sip:msml=1f2e@mcp2 SIP/2.0'),
      message(3, 'MCP mcp2', 'Resource Manager', 'SIP/2.0 200 OK'),
      message(4, 'Resource Manager', 'Resource Manager', 'MCP mcp2 marked down'),
      message(5, 'Resource Manager', 'MCP mcp1', 'INVITE sip:msml=1f2e@mcp1 SIP/2.0'),
    ]);
    expect(layout.participants).toEqual(['SIP Server', 'Resource Manager', 'MCP mcp1', 'MCP mcp2']);
    expect(layout.rows.map((r) => [r.from, r.to, r.note, r.response])).toEqual([
      [0, 1, false, false],
      [1, 3, false, false],
      [3, 1, false, true],
      [1, 1, true, false],
      [1, 2, false, false],
    ]);
  });

  it('labels each message with its offset from the first', () => {
    expect(offsetLabel('2026-11-30T10:00:00.000Z', '2026-11-30T10:01:02.345Z')).toBe('+01:02.345');
  });
});
