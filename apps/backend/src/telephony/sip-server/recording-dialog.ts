import { msmlDialogEnd, msmlRecordStart, msmlSend, type MsmlDialogEvent } from '../sip/msml.ts';
import { parseSip, parseSipUri, sipBranch, sipHeader, sipTag, type SipMessage } from '../sip/sip-message.ts';
import { sipHosts } from '../sip/sip-hosts.ts';
import { mediaSequenceHeader } from '../resource-manager/resource-manager.ts';

/** What SIP Server tells the media side about the call it records. */
export interface RecordingParameters {
  connId: string;
  callUuid: string;
  ani: string;
  dnis: string;
  /** the recording-enabled DN the recording is made for (GIR: recordDN) */
  recordDn: string;
  agentId: string | undefined;
  recordingId: string;
  /** where the file goes (the strategy's or the request's `dest`), or the default storage */
  dest: string | undefined;
  /** the call's media file number this recording starts with (`-<n>` of the media id) */
  mediaSequence: number;
}

/** Sends one request towards the Resource Manager and returns the final response's text. */
export type SipTransport = (request: SipMessage) => string;

const msmlContentType = 'application/msml+xml';
/** The MCP stores these under day folders; any other `dest` is a folder of its own. */
export const defaultRecordingDest = 'recordings';

function msmlSucceeded(responseText: string): boolean {
  if (!responseText.startsWith('SIP/2.0 200')) return false;
  return /<result response="200"/.test(parseSip(responseText).body);
}

/**
 * SIP Server's side of one recording's SIP dialog with the media server: the INVITE whose request
 * URI carries the recording parameters, MSML in INFO for record, pause, resume and stop,
 * DTMF relayed in INFO, and the BYE.
 */
export class RecordingDialog {
  private cseq = 1;

  private constructor(
    readonly parameters: RecordingParameters,
    private readonly transport: SipTransport,
    readonly sipCallId: string,
    private readonly fromTag: string,
    private readonly toHeader: string,
    private readonly mediaContact: string,
    /** `conn:<tag>/dialog:<recordingId>`: the MSML dialog that records */
    readonly dialogId: string,
  ) {}

  /**
   * INVITE, ACK and the MSML `<record>`: a dialog that records, or the reason it does not (the
   * failed response's status line, or the MSML result).
   */
  static open(parameters: RecordingParameters, transport: SipTransport): RecordingDialog | { refused: string } {
    const { connId, callUuid, recordDn } = parameters;
    const sipCallId = `${callUuid}-${parameters.recordingId}@${sipHosts.sipServer}`;
    const fromTag = sipTag();
    const requestUri = `sip:msml=${connId}@${sipHosts.resourceManager};dn=${recordDn};record;media-service=record`;
    const invite: SipMessage = {
      startLine: `INVITE ${requestUri} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.sipServer};branch=${sipBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:${recordDn}@${sipHosts.sipServer}>;tag=${fromTag}`],
        ['To', `<sip:msml=${connId}@${sipHosts.resourceManager}>`],
        ['Call-ID', sipCallId],
        ['CSeq', '1 INVITE'],
        ['Contact', `<sip:${recordDn}@${sipHosts.sipServer}>`],
        ['X-Genesys-ConnID', connId],
        ['X-Genesys-CallUUID', callUuid],
        ['X-Genesys-ANI', parameters.ani],
        ['X-Genesys-DNIS', parameters.dnis],
        ...(parameters.agentId ? ([['X-Genesys-AgentID', parameters.agentId]] as Array<[string, string]>) : []),
        [mediaSequenceHeader, String(parameters.mediaSequence)],
        ['Content-Type', 'application/sdp'],
      ],
      body: [
        'v=0',
        `o=SIPServer 1 1 IN IP4 ${sipHosts.sipServer.split(':')[0]}`,
        's=recording',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 30000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=sendonly',
        '',
      ].join('\r\n'),
    };
    const answerText = transport(invite);
    if (!answerText.startsWith('SIP/2.0 200')) {
      return { refused: answerText.split('\r\n', 1)[0] || 'no answer from the Resource Manager' };
    }
    const answer = parseSip(answerText);
    const mediaContact = (sipHeader(answer, 'Contact') ?? '').replace(/^<|>$/g, '');
    const connTag = parseSipUri(mediaContact).user;
    const dialog = new RecordingDialog(
      parameters,
      transport,
      sipCallId,
      fromTag,
      sipHeader(answer, 'To') ?? '',
      mediaContact,
      `${connTag}/dialog:${parameters.recordingId}`,
    );
    transport(dialog.inDialog('ACK', dialog.cseq));
    const dest = `vox-storage:${parameters.dest ?? defaultRecordingDest}`;
    const started = transport(
      dialog.inDialog(
        'INFO',
        ++dialog.cseq,
        msmlRecordStart({ target: connTag, dialogName: parameters.recordingId, dest, format: 'audio/mp3' }),
      ),
    );
    if (!msmlSucceeded(started)) {
      dialog.bye();
      const reason = /<description>([^<]*)</.exec(started)?.[1] ?? started.split('\r\n', 1)[0];
      return { refused: `MSML record refused: ${reason}` };
    }
    return dialog;
  }

  /** MSML `<send event="pause|resume">` to the recording dialog; true when the MCP did it. */
  send(event: MsmlDialogEvent): boolean {
    return msmlSucceeded(this.transport(this.inDialog('INFO', ++this.cseq, msmlSend(this.dialogId, event))));
  }

  /**
   * The digits a party keys, one SIP INFO `application/dtmf-relay` each (what SIP Server relays
   * when DTMF arrives out of band), with the party's side of the call.
   */
  relayDigits(side: 'agent' | 'customer', digits: string): void {
    for (const digit of digits) {
      const info = this.inDialog('INFO', ++this.cseq);
      info.headers.push(['X-Vox-Party', side], ['Content-Type', 'application/dtmf-relay']);
      info.body = `Signal=${digit}\r\nDuration=100\r\n`;
      this.transport(info);
    }
  }

  /** MSML `<dialogend>` and BYE: the media server finishes and stores the file. */
  close(): void {
    this.transport(this.inDialog('INFO', ++this.cseq, msmlDialogEnd(this.dialogId)));
    this.bye();
  }

  private bye(): void {
    this.transport(this.inDialog('BYE', ++this.cseq));
  }

  private inDialog(method: 'ACK' | 'INFO' | 'BYE', cseq: number, msml?: string): SipMessage {
    return {
      startLine: `${method} sip:${this.mediaContact.replace(/^sip:/, '')} SIP/2.0`,
      headers: [
        ['Via', `SIP/2.0/UDP ${sipHosts.sipServer};branch=${sipBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:${this.parameters.recordDn}@${sipHosts.sipServer}>;tag=${this.fromTag}`],
        ['To', this.toHeader],
        ['Call-ID', this.sipCallId],
        ['CSeq', `${cseq} ${method}`],
        ...(msml ? ([['Content-Type', msmlContentType]] as Array<[string, string]>) : []),
        ['X-Genesys-ConnID', this.parameters.connId],
      ],
      body: msml ?? '',
    };
  }
}
