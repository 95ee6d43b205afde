import { describe, expect, it } from 'vitest';
import { msmlRecordStart, msmlResult, msmlSend, parseMsml } from '../sip/msml.ts';
import { formatSip, parseSip, sipHeader, sipRequestLine, sipResponse } from '../sip/sip-message.ts';
import { capturingLogger, silentLogger } from '../../test-support/test-logger.ts';
import { MediaServerUnreachable, mediaSequenceHeader, ResourceManager, type MediaServer } from './resource-manager.ts';

/** An MCP that answers like the real one and keeps what it was asked, and can be made to die. */
class FakeMcp implements MediaServer {
  dead = false;
  readonly received: string[] = [];
  private readonly sessions = new Set<string>();

  constructor(
    readonly name: string,
    private readonly tag: string,
  ) {}

  get load(): number {
    return this.sessions.size;
  }

  handle(text: string): string {
    if (this.dead) throw new MediaServerUnreachable(`${this.name} is dead`);
    const request = parseSip(text);
    const { method } = sipRequestLine(request);
    this.received.push(
      method === 'INFO' ? `INFO ${request.body}` : `${method} ${sipHeader(request, mediaSequenceHeader) ?? ''}`,
    );
    const callId = sipHeader(request, 'Call-ID') ?? '';
    if (method === 'ACK') return '';
    if (method === 'INVITE') {
      this.sessions.add(callId);
      return formatSip(sipResponse(request, '200 OK', [['Contact', `<sip:conn:${this.tag}@${this.name}.vox.local>`]]));
    }
    if (method === 'BYE') this.sessions.delete(callId);
    if (method === 'INFO') {
      const msml = parseMsml(request.body);
      const target = msml.kind === 'recordStart' ? msml.target : msml.dialogId;
      const ok = target.startsWith(`conn:${this.tag}`);
      return formatSip(sipResponse(request, '200 OK', [], msmlResult(ok ? 200 : 404, ok ? 'ok' : 'unknown target')));
    }
    return formatSip(sipResponse(request, '200 OK'));
  }
}

function invite(callId: string): string {
  return formatSip({
    startLine: 'INVITE sip:msml=0123456789abcdef@rm.vox.local:5070;dn=7001;record SIP/2.0',
    headers: [
      ['Via', 'SIP/2.0/UDP sipserver.vox.local:5060;branch=z9hG4bK1'],
      ['From', '<sip:7001@sipserver.vox.local:5060>;tag=1'],
      ['To', '<sip:msml=0123456789abcdef@rm.vox.local:5070>'],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
    ],
    body: 'v=0\r\n',
  });
}

function info(callId: string, body: string): string {
  return formatSip({
    startLine: 'INFO sip:conn:x@rm.vox.local:5070 SIP/2.0',
    headers: [
      ['Via', 'SIP/2.0/UDP sipserver.vox.local:5060;branch=z9hG4bK2'],
      ['Call-ID', callId],
      ['CSeq', '2 INFO'],
      ['Content-Type', 'application/msml+xml'],
    ],
    body,
  });
}

describe('ResourceManager', () => {
  it('gives a session to the least loaded MCP and answers with a contact of its own', () => {
    const mcps = [new FakeMcp('mcp1', 'aaaa'), new FakeMcp('mcp2', 'bbbb')];
    const rm = new ResourceManager(mcps, silentLogger);
    rm.proxy(invite('call-1'), () => {});
    const answer = parseSip(rm.proxy(invite('call-2'), () => {}));
    expect(answer.startLine).toBe('SIP/2.0 200 OK');
    expect(sipHeader(answer, 'Contact')).toBe('<sip:conn:bbbb@rm.vox.local:5070>');
    expect([rm.mcpOf('call-1'), rm.mcpOf('call-2')]).toEqual(['mcp1', 'mcp2']);
  });

  it('moves a session off a dead MCP, replaying the record and its pause, as media file 2', () => {
    const mcps = [new FakeMcp('mcp1', 'aaaa'), new FakeMcp('mcp2', 'bbbb')];
    const { log, records } = capturingLogger();
    const rm = new ResourceManager(mcps, log);
    const ladder: string[] = [];
    const hop = (from: string, to: string, text: string) => ladder.push(`${from} -> ${to}: ${text.split('\r\n')[0]}`);
    rm.proxy(invite('call-1'), hop);
    const start = msmlRecordStart({
      target: 'conn:aaaa',
      dialogName: 'rec1',
      dest: 'vox-storage:recordings',
      format: 'audio/mp3',
    });
    expect(rm.proxy(info('call-1', start), hop)).toContain('<result response="200"');
    rm.proxy(info('call-1', msmlSend('conn:aaaa/dialog:rec1', 'pause')), hop);

    mcps[0]!.dead = true;
    expect(rm.checkHealth()).toBe(1);
    expect(rm.mcpOf('call-1')).toBe('mcp2');
    expect(mcps[1]!.received[0]).toBe('INVITE 2');
    const infos = mcps[1]!.received.filter((r) => r.startsWith('INFO '));
    expect(infos.map((r) => parseMsml(r.slice('INFO '.length)))).toEqual([
      expect.objectContaining({ kind: 'recordStart', target: 'conn:bbbb', dialogName: 'rec1' }),
      { kind: 'send', dialogId: 'conn:bbbb/dialog:rec1', event: 'pause' },
    ]);
    expect(ladder).toContain('Resource Manager -> Resource Manager: session moved from MCP mcp1 to MCP mcp2');
    expect(records).toMatchObject([
      { level: 'warn', msg: 'Resource Manager: MCP mcp1 does not answer; moving its sessions' },
    ]);
    expect(rm.status()).toEqual([
      { name: 'mcp1', load: 1, healthy: false },
      { name: 'mcp2', load: 1, healthy: true },
    ]);

    // The SIP Server keeps addressing the first MCP's conn tag; the RM rewrites it both ways.
    const resumed = rm.proxy(info('call-1', msmlSend('conn:aaaa/dialog:rec1', 'resume')), hop);
    expect(resumed).toContain('<result response="200"');
    expect(mcps[1]!.received.at(-1)).toContain('conn:bbbb/dialog:rec1');
  });

  it('moves the session when the MCP dies under a request, and answers that request from the new MCP', () => {
    const mcps = [new FakeMcp('mcp1', 'aaaa'), new FakeMcp('mcp2', 'bbbb')];
    const rm = new ResourceManager(mcps, silentLogger);
    rm.proxy(invite('call-1'), () => {});
    mcps[0]!.dead = true;
    const start = msmlRecordStart({
      target: 'conn:aaaa',
      dialogName: 'rec1',
      dest: 'vox-storage:recordings',
      format: 'audio/mp3',
    });
    expect(rm.proxy(info('call-1', start), () => {})).toContain('<result response="200"');
    expect(rm.mcpOf('call-1')).toBe('mcp2');
  });

  it('answers 503 when no MCP is left to take a session, and takes a recovered MCP back', () => {
    const mcps = [new FakeMcp('mcp1', 'aaaa')];
    const rm = new ResourceManager(mcps, silentLogger);
    mcps[0]!.dead = true;
    expect(rm.proxy(invite('call-1'), () => {})).toMatch(/^SIP\/2\.0 503 Service Unavailable/);
    mcps[0]!.dead = false;
    rm.markHealthy('mcp1');
    expect(rm.proxy(invite('call-2'), () => {})).toMatch(/^SIP\/2\.0 200 OK/);
  });
});
