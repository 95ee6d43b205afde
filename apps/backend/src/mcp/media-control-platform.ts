import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mcpMetadataSchema, type McpMetadata } from '@vox/shared';
import {
  formatSip,
  parseSip,
  parseSipUri,
  sipHeader,
  sipRequestLine,
  sipResponse,
  sipTag,
  type SipMessage,
} from '../sip/sip-message.ts';
import { mcpHost } from '../sip/sip-hosts.ts';
import type { MediaStorage } from '../storage/media-storage.ts';
import { mediaFileName, storagePathFor } from './media-file-name.ts';
import { msmlResult, MsmlParseError, parseMsml } from './msml.ts';
import { RecordingSession } from './recording-session.ts';
import { recordingProfiles, type RecordingProfileName } from './recording-profile.ts';

/** Where the MCP posts metadata once storage has the file (GIR: the Recording Processor). */
export interface RecordingMetadataSink {
  ingest(metadata: McpMetadata): Promise<void>;
}

/** What the SIP Server put in the recording INVITE about the call. */
interface CallParameters {
  connId: string;
  callUuid: string;
  ani: string;
  dnis: string;
  recordDn: string;
  agentId: string | undefined;
}

interface McpDialog {
  sipCallId: string;
  connTag: string;
  call: CallParameters;
  session: RecordingSession | undefined;
  dialogId: string | undefined;
  recordingId: string | undefined;
  mediaCount: number;
}

const mediaClockMs = 100;

/**
 * A Media Control Platform: answers the recording INVITE, runs the MSML it receives in INFO,
 * captures and encodes the call's audio, stores the file, and only then posts metadata.
 */
export class MediaControlPlatform {
  private readonly dialogs = new Map<string, McpDialog>();
  private readonly finishing = new Set<Promise<void>>();
  private clock: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly options: {
      workDir: string;
      storage: MediaStorage;
      metadataSink: RecordingMetadataSink;
      profile: RecordingProfileName;
      log: (message: string, error?: unknown) => void;
    },
  ) {}

  /** Sessions in progress: the Resource Manager's measure of load. */
  get load(): number {
    return this.dialogs.size;
  }

  handle(requestText: string): string {
    const request = parseSip(requestText);
    const { method } = sipRequestLine(request);
    const callId = sipHeader(request, 'Call-ID') ?? '';
    switch (method) {
      case 'INVITE':
        return formatSip(this.invite(request, callId));
      case 'INFO':
        return formatSip(this.info(request, callId));
      case 'BYE':
        return formatSip(this.bye(request, callId));
      case 'ACK':
        return '';
      default:
        return formatSip(sipResponse(request, '405 Method Not Allowed', [['Allow', 'INVITE, ACK, INFO, BYE']]));
    }
  }

  /** Waits for every file being finished and stored (used at shutdown and by tests). */
  async drain(): Promise<void> {
    while (this.finishing.size > 0) await Promise.allSettled([...this.finishing]);
  }

  async close(): Promise<void> {
    for (const dialog of this.dialogs.values()) this.endRecording(dialog);
    this.dialogs.clear();
    await this.drain();
    if (this.clock) clearInterval(this.clock);
  }

  private invite(request: SipMessage, sipCallId: string): SipMessage {
    const uri = parseSipUri(sipRequestLine(request).uri);
    const call: CallParameters = {
      connId: sipHeader(request, 'X-Genesys-ConnID') ?? '',
      callUuid: sipHeader(request, 'X-Genesys-CallUUID') ?? '',
      ani: sipHeader(request, 'X-Genesys-ANI') ?? '',
      dnis: sipHeader(request, 'X-Genesys-DNIS') ?? '',
      recordDn: uri.params.get('dn') ?? '',
      agentId: sipHeader(request, 'X-Genesys-AgentID'),
    };
    if (!uri.params.has('record') || !call.connId || !call.callUuid || !call.recordDn) {
      return sipResponse(request, '400 Bad Request', [['Warning', '399 mcp "recording parameters missing"']]);
    }
    const connTag = randomBytes(4).toString('hex');
    this.dialogs.set(sipCallId, {
      sipCallId,
      connTag,
      call,
      session: undefined,
      dialogId: undefined,
      recordingId: undefined,
      mediaCount: 0,
    });
    const to = `${sipHeader(request, 'To') ?? ''};tag=${sipTag()}`;
    const sdp = [
      'v=0',
      `o=MCP 1 1 IN IP4 ${this.name}.vox.local`,
      's=record',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      'a=recvonly',
      '',
    ].join('\r\n');
    const response = sipResponse(
      request,
      '200 OK',
      [
        ['Contact', `<sip:conn:${connTag}@${mcpHost(this.name)}>`],
        ['Content-Type', 'application/sdp'],
      ],
      sdp,
    );
    response.headers = response.headers.map(([n, v]) => (n.toLowerCase() === 'to' ? [n, to] : [n, v]));
    return response;
  }

  private info(request: SipMessage, sipCallId: string): SipMessage {
    const dialog = this.dialogs.get(sipCallId);
    if (!dialog) return sipResponse(request, '481 Call/Transaction Does Not Exist');
    const reply = (code: number, text: string, dialogId?: string) =>
      sipResponse(request, '200 OK', [['Content-Type', 'application/msml+xml']], msmlResult(code, text, dialogId));
    let msml;
    try {
      msml = parseMsml(request.body);
    } catch (error) {
      if (error instanceof MsmlParseError) return reply(400, error.message);
      throw error;
    }
    if (msml.kind === 'recordStart') {
      if (dialog.session) return reply(409, 'a recording is already running on this connection');
      if (msml.target !== `conn:${dialog.connTag}`) return reply(404, `unknown target ${msml.target}`);
      const dialogId = `${msml.target}/dialog:${msml.dialogName}`;
      dialog.recordingId = msml.dialogName;
      dialog.dialogId = dialogId;
      this.startRecording(dialog);
      return reply(200, 'recording started', dialogId);
    }
    if (!dialog.session || msml.dialogId !== dialog.dialogId) return reply(404, `no dialog ${msml.dialogId}`);
    this.endRecording(dialog);
    return reply(200, 'recording stopped', msml.dialogId);
  }

  private bye(request: SipMessage, sipCallId: string): SipMessage {
    const dialog = this.dialogs.get(sipCallId);
    if (!dialog) return sipResponse(request, '481 Call/Transaction Does Not Exist');
    this.endRecording(dialog);
    this.dialogs.delete(sipCallId);
    return sipResponse(request, '200 OK');
  }

  private startRecording(dialog: McpDialog): void {
    const profile = recordingProfiles[this.options.profile];
    dialog.mediaCount++;
    const file = path.join(
      this.options.workDir,
      `${dialog.sipCallId.replace(/[^A-Za-z0-9]/g, '_')}-${dialog.mediaCount}.mp3`,
    );
    const seed = Number.parseInt(dialog.call.connId.slice(-8), 16) || 1;
    dialog.session = new RecordingSession(file, profile, new Date(), seed);
    this.clock ??= setInterval(() => this.tick(), mediaClockMs);
  }

  private tick(): void {
    const now = Date.now();
    let active = 0;
    for (const dialog of this.dialogs.values()) {
      if (!dialog.session) continue;
      active++;
      dialog.session.pump(now);
    }
    if (active === 0 && this.clock) {
      clearInterval(this.clock);
      this.clock = undefined;
    }
  }

  private endRecording(dialog: McpDialog): void {
    const session = dialog.session;
    if (!session || !dialog.recordingId) return;
    dialog.session = undefined;
    const job = this.storeAndPost(dialog, session, dialog.recordingId, dialog.mediaCount)
      .catch((error: unknown) =>
        this.options.log(`MCP ${this.name}: recording ${dialog.recordingId} was not stored`, error),
      )
      .finally(() => this.finishing.delete(job));
    this.finishing.add(job);
  }

  private async storeAndPost(
    dialog: McpDialog,
    session: RecordingSession,
    recordingId: string,
    sequence: number,
  ): Promise<void> {
    const captured = await session.stop(Date.now());
    const mediaId = mediaFileName(dialog.call.callUuid, captured.startTime, sequence);
    const stored = await this.options.storage.putFile(storagePathFor(mediaId, captured.startTime), captured.path);
    const metadata: McpMetadata = mcpMetadataSchema.parse({
      recordingId,
      connId: dialog.call.connId,
      callUuid: dialog.call.callUuid,
      recordDN: dialog.call.recordDn,
      storagePath: stored.path,
      sha256: stored.sha256,
      mediaFile: {
        mediaId,
        type: 'audio/mp3',
        callUUID: dialog.call.callUuid,
        startTime: captured.startTime.toISOString(),
        stopTime: captured.stopTime.toISOString(),
        duration: captured.durationMs,
        size: stored.size,
        ivrprofile: this.options.profile,
        parameters: {
          connId: dialog.call.connId,
          ani: dialog.call.ani,
          dnis: dialog.call.dnis,
          recordDN: dialog.call.recordDn,
          dateTime: captured.startTime.toISOString(),
          ...(dialog.call.agentId ? { agentId: dialog.call.agentId } : {}),
        },
        pauses: captured.pauses,
      },
    });
    // Only after storage has confirmed the file (GIR: GVP posts metadata after WebDAV says stored).
    await this.options.metadataSink.ingest(metadata);
    await fs.rm(captured.path, { force: true });
  }
}
