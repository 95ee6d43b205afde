import type { MediaControlPlatform } from '../mcp/media-control-platform.ts';
import {
  formatSip,
  parseSip,
  parseSipUri,
  sipBranch,
  sipHeader,
  sipRequestLine,
  sipResponse,
} from '../sip/sip-message.ts';
import { sipHosts } from '../sip/sip-hosts.ts';

/** One hop of a SIP message, for the call's ladder. */
export type SipHop = (from: string, to: string, text: string) => void;

/**
 * The Resource Manager: takes the SIP Server's recording INVITE, picks the least loaded MCP and
 * proxies the dialog to it; later requests of the dialog follow the same MCP.
 */
export class ResourceManager {
  private readonly dialogs = new Map<string, MediaControlPlatform>();

  constructor(private readonly pool: MediaControlPlatform[]) {}

  /** Proxies one request; `hop` sees each message as it crosses the RM. Returns the final response. */
  proxy(requestText: string, hop: SipHop): string {
    const request = parseSip(requestText);
    const { method, uri } = sipRequestLine(request);
    const callId = sipHeader(request, 'Call-ID') ?? '';
    let mcp = this.dialogs.get(callId);
    if (method === 'INVITE' && !mcp) {
      if (!parseSipUri(uri).params.has('record')) {
        return formatSip(
          sipResponse(request, '488 Not Acceptable Here', [['Warning', '399 rm "not a recording request"']]),
        );
      }
      mcp = this.leastLoaded();
      if (!mcp) return formatSip(sipResponse(request, '503 Service Unavailable', [['Retry-After', '5']]));
      this.dialogs.set(callId, mcp);
    }
    if (!mcp) return formatSip(sipResponse(request, '481 Call/Transaction Does Not Exist'));
    // Record-Route-less proxying: add our Via on the way in, strip it on the way out.
    const forwarded = {
      ...request,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.resourceManager};branch=${sipBranch()}`] as [string, string],
        ...request.headers,
      ],
    };
    const forwardedText = formatSip(forwarded);
    hop('Resource Manager', `MCP ${mcp.name}`, forwardedText);
    const responseText = mcp.handle(forwardedText);
    if (method === 'ACK') return '';
    hop(`MCP ${mcp.name}`, 'Resource Manager', responseText);
    const response = parseSip(responseText);
    response.headers = response.headers.filter(
      ([n, v]) => !(n.toLowerCase() === 'via' && v.includes(sipHosts.resourceManager)),
    );
    if (method === 'BYE') this.dialogs.delete(callId);
    return formatSip(response);
  }

  private leastLoaded(): MediaControlPlatform | undefined {
    return [...this.pool].sort((a, b) => a.load - b.load)[0];
  }
}
