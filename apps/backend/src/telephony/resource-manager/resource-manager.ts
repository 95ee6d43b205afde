import type { Logger } from 'pino';
import {
  formatSip,
  parseSip,
  parseSipUri,
  sipBranch,
  sipHeader,
  sipRequestLine,
  sipResponse,
  sipTag,
  type SipMessage,
} from '../sip/sip-message.ts';
import { sipHosts } from '../sip/sip-hosts.ts';
import { msmlSend } from '../sip/msml.ts';

/** One hop of a SIP message, for the call's ladder. */
export type SipHop = (from: string, to: string, text: string) => void;

/** What the Resource Manager needs of an MCP: its load, and SIP in and out. */
export interface MediaServer {
  readonly name: string;
  /** recording sessions in progress */
  readonly load: number;
  /** answers one request; throws `MediaServerUnreachable` when the MCP is down */
  handle(requestText: string): string;
}

export class MediaServerUnreachable extends Error {}

/**
 * Vox's header numbering the media files of a call (`-<n>` of the media id): the SIP Server's
 * INVITE carries the first number, the RM counts up when it moves the session to another MCP.
 */
export const mediaSequenceHeader = 'X-Vox-Media-Sequence';

/** One recording session as the RM holds it: the SIP Server's dialog and the MCP leg behind it. */
interface RmSession {
  /** Call-ID of the SIP Server's dialog */
  callId: string;
  hop: SipHop;
  invite: SipMessage;
  /** the `conn:` tag the SIP Server addresses; the first MCP's own, kept across failovers */
  connTag: string;
  mcp: MediaServer;
  mcpCallId: string;
  mcpFromTag: string;
  mcpTo: string;
  mcpContact: string;
  mcpConnTag: string;
  mcpCseq: number;
  /** the MSML `<record>` that runs, replayed on a new MCP after a failover */
  recordStart: string | undefined;
  paused: boolean;
  mediaSequence: number;
}

const rm = 'Resource Manager';
const mcpLabel = (mcp: MediaServer) => `MCP ${mcp.name}`;

/**
 * The Resource Manager: takes the SIP Server's recording INVITE, picks the least loaded healthy MCP
 * and keeps the session as a back-to-back user agent, so it can move it: when an MCP stops
 * answering, the session goes to another MCP (INVITE and the running MSML `<record>` replayed,
 * pause state included), and the recording continues there as a further media file.
 */
export class ResourceManager {
  private readonly sessions = new Map<string, RmSession>();
  private readonly down = new Set<MediaServer>();

  constructor(
    private readonly pool: MediaServer[],
    private readonly log: Logger,
  ) {}

  /** The number of the media file a session writes now. */
  mediaSequenceOf(callId: string): number | undefined {
    return this.sessions.get(callId)?.mediaSequence;
  }

  /** The MCP a recording session runs on now. */
  mcpOf(callId: string): string | undefined {
    return this.sessions.get(callId)?.mcp.name;
  }

  /** The pool as the RM sees it: load, and whether it answers. */
  status(): Array<{ name: string; load: number; healthy: boolean }> {
    return this.pool.map((mcp) => ({ name: mcp.name, load: mcp.load, healthy: !this.down.has(mcp) }));
  }

  /** Takes an MCP back into the pool (it answers again). */
  markHealthy(name: string): void {
    for (const mcp of this.down) if (mcp.name === name) this.down.delete(mcp);
  }

  /**
   * What the RM's health check does: every session on an MCP that no longer answers moves to a
   * healthy one. Returns the sessions moved.
   */
  checkHealth(): number {
    let moved = 0;
    for (const mcp of this.pool) {
      if (this.down.has(mcp)) continue;
      try {
        mcp.handle(formatSip(this.options(mcp)));
      } catch (error) {
        if (!(error instanceof MediaServerUnreachable)) throw error;
        moved += this.failOver(mcp);
      }
    }
    return moved;
  }

  /** Handles one request of the SIP Server; `hop` sees each message on the RM's MCP side. */
  proxy(requestText: string, hop: SipHop): string {
    const request = parseSip(requestText);
    const { method } = sipRequestLine(request);
    const callId = sipHeader(request, 'Call-ID') ?? '';
    if (method === 'INVITE' && !this.sessions.has(callId)) return this.invite(request, callId, hop);
    const session = this.sessions.get(callId);
    if (!session) return formatSip(sipResponse(request, '481 Call/Transaction Does Not Exist'));
    if (method === 'ACK') return '';
    if (method === 'INFO') return this.info(session, request);
    if (method === 'BYE') {
      this.sessions.delete(callId);
      this.sendToMcp(session, this.inMcpDialog(session, 'BYE'));
      return formatSip(sipResponse(request, '200 OK'));
    }
    return formatSip(sipResponse(request, '405 Method Not Allowed', [['Allow', 'INVITE, ACK, INFO, BYE']]));
  }

  private invite(request: SipMessage, callId: string, hop: SipHop): string {
    if (!parseSipUri(sipRequestLine(request).uri).params.has('record')) {
      return formatSip(
        sipResponse(request, '488 Not Acceptable Here', [['Warning', '399 rm "not a recording request"']]),
      );
    }
    const session: Partial<RmSession> & Pick<RmSession, 'callId' | 'hop' | 'invite'> = {
      callId,
      hop,
      invite: request,
      recordStart: undefined,
      paused: false,
      mediaSequence: Number(sipHeader(request, mediaSequenceHeader) ?? '1') || 1,
    };
    const answer = this.connect(session);
    if (!answer) return formatSip(sipResponse(request, '503 Service Unavailable', [['Retry-After', '5']]));
    const connected = session as RmSession;
    connected.connTag = connected.mcpConnTag;
    this.sessions.set(callId, connected);
    const response = sipResponse(
      request,
      '200 OK',
      [
        ['Contact', `<sip:conn:${connected.connTag}@${sipHosts.resourceManager}>`],
        ['Content-Type', 'application/sdp'],
      ],
      answer.body,
    );
    response.headers = response.headers.map(([n, v]) =>
      n.toLowerCase() === 'to' ? [n, `${v};tag=${sipTag()}`] : [n, v],
    );
    return formatSip(response);
  }

  /**
   * Opens the MCP leg on the least loaded healthy MCP, trying the next when one does not answer.
   * Returns the MCP's 200 OK, or undefined when no MCP took the session.
   */
  private connect(session: Partial<RmSession> & Pick<RmSession, 'hop' | 'invite'>): SipMessage | undefined {
    for (;;) {
      const mcp = this.leastLoaded();
      if (!mcp) return undefined;
      const mcpCallId = `${sipTag()}${sipTag()}@${sipHosts.resourceManager}`;
      const mcpFromTag = sipTag();
      const invite: SipMessage = {
        startLine: session.invite.startLine,
        headers: [
          ['Via', `SIP/2.0/UDP ${sipHosts.resourceManager};branch=${sipBranch()}`],
          ...session.invite.headers
            .filter(
              ([n]) => !['via', 'from', 'call-id', 'cseq', mediaSequenceHeader.toLowerCase()].includes(n.toLowerCase()),
            )
            .map(([n, v]): [string, string] => [n, v]),
          ['From', `<sip:rm@${sipHosts.resourceManager}>;tag=${mcpFromTag}`],
          ['Call-ID', mcpCallId],
          ['CSeq', '1 INVITE'],
          [mediaSequenceHeader, String(session.mediaSequence ?? 1)],
        ],
        body: session.invite.body,
      };
      let answerText: string;
      try {
        session.hop(rm, mcpLabel(mcp), formatSip(invite));
        answerText = mcp.handle(formatSip(invite));
      } catch (error) {
        if (!(error instanceof MediaServerUnreachable)) throw error;
        this.markDown(mcp, session.hop);
        continue;
      }
      session.hop(mcpLabel(mcp), rm, answerText);
      if (!answerText.startsWith('SIP/2.0 200')) return undefined;
      const answer = parseSip(answerText);
      const contact = (sipHeader(answer, 'Contact') ?? '').replace(/^<|>$/g, '');
      Object.assign(session, {
        mcp,
        mcpCallId,
        mcpFromTag,
        mcpTo: sipHeader(answer, 'To') ?? '',
        mcpContact: contact,
        mcpConnTag: parseSipUri(contact).user.replace(/^conn:/, ''),
        mcpCseq: 1,
      });
      const ack = this.inMcpDialog(session as RmSession, 'ACK');
      session.hop(rm, mcpLabel(mcp), formatSip(ack));
      mcp.handle(formatSip(ack));
      return answer;
    }
  }

  private info(session: RmSession, request: SipMessage): string {
    let answerText = this.sendToMcp(session, this.forwardedInfo(session, request));
    if (answerText === undefined) {
      // The MCP died under this request: once the session has moved, the new MCP answers it.
      if (this.down.has(session.mcp) && !this.moveSession(session)) {
        return formatSip(sipResponse(request, '503 Service Unavailable'));
      }
      answerText = this.sendToMcp(session, this.forwardedInfo(session, request));
      if (answerText === undefined) return formatSip(sipResponse(request, '503 Service Unavailable'));
    }
    const answer = parseSip(answerText);
    this.track(session, request.body, answerText);
    return formatSip(
      sipResponse(
        request,
        answer.startLine.replace(/^SIP\/2\.0 /, ''),
        answer.headers.filter(([n]) => n.toLowerCase() === 'content-type'),
        answer.body.replaceAll(`conn:${session.mcpConnTag}`, `conn:${session.connTag}`),
      ),
    );
  }

  /** The SIP Server's INFO on the MCP leg, its `conn:` target rewritten to the MCP's own. */
  private forwardedInfo(session: RmSession, request: SipMessage): SipMessage {
    const forwarded = this.inMcpDialog(
      session,
      'INFO',
      request.body.replaceAll(`conn:${session.connTag}`, `conn:${session.mcpConnTag}`),
    );
    for (const [name, value] of request.headers) {
      if (['content-type', 'x-vox-party'].includes(name.toLowerCase())) forwarded.headers.push([name, value]);
    }
    return forwarded;
  }

  /** Remembers what a session must replay on another MCP: the running record and its pause. */
  private track(session: RmSession, msml: string, answerText: string): void {
    if (!/<result response="200"/.test(answerText)) return;
    if (/<dialogstart\b/.test(msml)) {
      session.recordStart = msml;
      session.paused = false;
    } else if (/<send\b[^>]*event="pause"/.test(msml)) session.paused = true;
    else if (/<send\b[^>]*event="resume"/.test(msml)) session.paused = false;
    else if (/<dialogend\b/.test(msml)) session.recordStart = undefined;
  }

  /** Sends on the session's MCP leg; undefined when the MCP does not answer. */
  private sendToMcp(session: RmSession, request: SipMessage): string | undefined {
    const text = formatSip(request);
    session.hop(rm, mcpLabel(session.mcp), text);
    try {
      const answer = session.mcp.handle(text);
      if (answer) session.hop(mcpLabel(session.mcp), rm, answer);
      return answer;
    } catch (error) {
      if (!(error instanceof MediaServerUnreachable)) throw error;
      session.hop(rm, rm, `no answer from MCP ${session.mcp.name}: ${error.message}`);
      this.markDown(session.mcp, session.hop);
      return undefined;
    }
  }

  private failOver(mcp: MediaServer): number {
    this.down.add(mcp);
    this.log.warn(`Resource Manager: MCP ${mcp.name} does not answer; moving its sessions`);
    let moved = 0;
    for (const session of this.sessions.values()) {
      if (session.mcp !== mcp) continue;
      session.hop(rm, rm, `health check: MCP ${mcp.name} does not answer`);
      if (this.moveSession(session)) moved++;
    }
    return moved;
  }

  private markDown(mcp: MediaServer, hop: SipHop): void {
    if (this.down.has(mcp)) return;
    hop(rm, rm, `MCP ${mcp.name} marked down`);
    this.failOver(mcp);
  }

  /** Re-creates the session on another MCP: INVITE, ACK, the running `<record>`, and its pause. */
  private moveSession(session: RmSession): boolean {
    if (!this.down.has(session.mcp)) this.down.add(session.mcp);
    session.mediaSequence++;
    const from = session.mcp;
    if (!this.connect(session)) {
      session.hop(rm, rm, `no healthy MCP to take the session from MCP ${from.name}`);
      return false;
    }
    session.hop(rm, rm, `session moved from MCP ${from.name} to MCP ${session.mcp.name}`);
    if (session.recordStart) {
      const body = session.recordStart.replaceAll(`conn:${session.connTag}`, `conn:${session.mcpConnTag}`);
      const start = this.inMcpDialog(session, 'INFO', body);
      start.headers.push(['Content-Type', 'application/msml+xml']);
      this.sendToMcp(session, start);
      if (session.paused) {
        const dialog = /<dialogstart\b[^>]*\bname="([^"]*)"/.exec(session.recordStart)?.[1] ?? '';
        const pause = this.inMcpDialog(
          session,
          'INFO',
          msmlSend(`conn:${session.mcpConnTag}/dialog:${dialog}`, 'pause'),
        );
        pause.headers.push(['Content-Type', 'application/msml+xml']);
        this.sendToMcp(session, pause);
      }
    }
    return true;
  }

  private inMcpDialog(session: RmSession, method: 'ACK' | 'INFO' | 'BYE', body = ''): SipMessage {
    if (method !== 'ACK') session.mcpCseq++;
    return {
      startLine: `${method} sip:${session.mcpContact.replace(/^sip:/, '')} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.resourceManager};branch=${sipBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:rm@${sipHosts.resourceManager}>;tag=${session.mcpFromTag}`],
        ['To', session.mcpTo],
        ['Call-ID', session.mcpCallId],
        ['CSeq', `${session.mcpCseq} ${method}`],
      ],
      body,
    };
  }

  private options(mcp: MediaServer): SipMessage {
    return {
      startLine: `OPTIONS sip:${mcp.name}@${sipHosts.resourceManager} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.resourceManager};branch=${sipBranch()}`],
        ['From', `<sip:rm@${sipHosts.resourceManager}>;tag=${sipTag()}`],
        ['To', `<sip:${mcp.name}@${sipHosts.resourceManager}>`],
        ['Call-ID', `${sipTag()}@${sipHosts.resourceManager}`],
        ['CSeq', '1 OPTIONS'],
      ],
      body: '',
    };
  }

  private leastLoaded(): MediaServer | undefined {
    return this.pool.filter((mcp) => !this.down.has(mcp)).sort((a, b) => a.load - b.load)[0];
  }
}
