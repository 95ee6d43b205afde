import type { VoiceInterruption } from '@vox/shared';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import { MediaServerUnreachable, mediaSequenceHeader, type MediaServer } from '../resource-manager/resource-manager.ts';
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
import type { MediaVault } from '../../recording/crypto/media-vault.ts';
import type { StorageOutbox } from '../../recording/storage/storage-outbox.ts';
import type { RecordingJournal, RecordingJournals } from '../../recording/recordings/recording-journal.ts';
import { isDiskFull, type DiskSpaceGuard } from './disk-space-guard.ts';
import type {
  CaptureEngine,
  CaptureHandle,
  CapturedMedia,
  CaptureOutput,
  MediaFormat,
} from '../../platform/media/capture-engine.ts';
import { voiceFileDelivery } from '../../recording/recordings/voice-file-metadata.ts';
import { msmlResult, MsmlParseError, parseMsml } from '../sip/msml.ts';

/** The IVR profile's recording settings (GIR: MP3 for playback, plus WAV G.711 for analytics). */
export interface IvrProfile {
  name: string;
  mp3: Exclude<MediaFormat, 'wav-g711-ulaw'>;
  /** recording-and-analytics mode: a WAV G.711 mu-law file besides the MP3 */
  analytics: boolean;
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
  /** which media file of the recording this MCP makes (2 and up after a failover) */
  mediaSequence: number;
  capture: CaptureHandle | undefined;
  captureFiles: CaptureOutput[];
  /** what survives this process dying mid-recording */
  journal: RecordingJournal | undefined;
  /** paused by MSML (a new media file after a failover starts paused too) */
  paused: boolean;
  /** recording, but the disk is full: a new media file starts once space is back */
  waitingForDisk: boolean;
  dialogId: string | undefined;
  recordingId: string | undefined;
  /** storage folder from the MSML `dest`; undefined for the default day folders */
  destFolder: string | undefined;
}

const defaultDest = 'vox-storage:recordings';
const dtmfSides = new Set(['agent', 'customer']);

/**
 * A Media Control Platform: answers the recording INVITE, runs the MSML it receives in INFO
 * (record, pause, resume, stop), hears DTMF, has the media engine capture and encode the call's
 * audio, stores each file, and only then posts its metadata.
 */
export class MediaControlPlatform implements MediaServer {
  private readonly dialogs = new Map<string, McpDialog>();
  private readonly finishing = new Set<Promise<void>>();
  private alive = true;

  constructor(
    readonly name: string,
    private readonly options: {
      workDir: string;
      engine: CaptureEngine;
      /** stores each file and then posts its metadata, retrying while storage is down */
      outbox: StorageOutbox;
      /** the tenant key files are encrypted with as they are written */
      vault: MediaVault;
      /** each recording's journal, beside its files */
      journals: RecordingJournals;
      /** stops recordings (cleanly, files sealed) while the work directory's disk is full */
      disk: DiskSpaceGuard;
      profile: IvrProfile;
      log: Logger;
    },
  ) {
    options.disk.onChange((full) => this.diskChanged(full));
  }

  /** Recording sessions in progress: the Resource Manager's measure of load. */
  get load(): number {
    return this.dialogs.size;
  }

  handle(requestText: string): string {
    if (!this.alive) throw new MediaServerUnreachable(`MCP ${this.name} does not answer`);
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
      case 'OPTIONS':
        return formatSip(sipResponse(request, '200 OK', [['Allow', 'INVITE, ACK, INFO, BYE, OPTIONS']]));
      case 'ACK':
        return '';
      default:
        return formatSip(
          sipResponse(request, '405 Method Not Allowed', [['Allow', 'INVITE, ACK, INFO, BYE, OPTIONS']]),
        );
    }
  }

  /**
   * The MCP process dies: it stops answering and its captures end where they are. What they
   * captured up to then is kept (its recording cache is recovered) and stored as media files.
   */
  fail(): void {
    if (!this.alive) return;
    this.alive = false;
    this.options.log.warn(`MCP ${this.name}: failed with ${this.dialogs.size} session(s)`);
    for (const dialog of this.dialogs.values()) this.endRecording(dialog);
    this.dialogs.clear();
  }

  /** The MCP is back, with no sessions: the Resource Manager may use it again. */
  recover(): void {
    this.alive = true;
  }

  /** Waits for every file being finished and stored (used at shutdown and by tests). */
  async drain(): Promise<void> {
    while (this.finishing.size > 0) await Promise.allSettled([...this.finishing]);
  }

  async close(): Promise<void> {
    for (const dialog of this.dialogs.values()) this.endRecording(dialog);
    this.dialogs.clear();
    await this.drain();
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
      mediaSequence: Number(sipHeader(request, mediaSequenceHeader) ?? '1') || 1,
      capture: undefined,
      captureFiles: [],
      journal: undefined,
      paused: false,
      waitingForDisk: false,
      dialogId: undefined,
      recordingId: undefined,
      destFolder: undefined,
    });
    const to = `${sipHeader(request, 'To') ?? ''};tag=${sipTag()}`;
    const sdp = [
      'v=0',
      `o=MCP 1 1 IN IP4 ${this.name}.vox.local`,
      's=record',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 0 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
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
    if ((sipHeader(request, 'Content-Type') ?? '').startsWith('application/dtmf-relay')) {
      return this.dtmf(request, dialog);
    }
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
      if (dialog.capture || dialog.waitingForDisk) {
        return reply(409, 'a recording is already running on this connection');
      }
      if (msml.target !== `conn:${dialog.connTag}`) return reply(404, `unknown target ${msml.target}`);
      if (!msml.dest.startsWith('vox-storage:')) return reply(400, `dest ${msml.dest} is not a vox-storage: folder`);
      const dialogId = `${msml.target}/dialog:${msml.dialogName}`;
      dialog.recordingId = msml.dialogName;
      dialog.dialogId = dialogId;
      dialog.destFolder = msml.dest === defaultDest ? undefined : msml.dest.slice('vox-storage:'.length);
      dialog.paused = false;
      if (this.options.disk.full) {
        dialog.waitingForDisk = true;
        this.options.log.warn(`MCP ${this.name}: recording ${msml.dialogName} waits for disk space to start`);
        return reply(200, 'recording started; the disk is full, audio is captured once space is back', dialogId);
      }
      try {
        this.startRecording(dialog);
      } catch (error) {
        this.options.log.error({ err: error }, `MCP ${this.name}: recording ${msml.dialogName} could not start`);
        return reply(500, 'the media engine could not start the recording');
      }
      return reply(200, 'recording started', dialogId);
    }
    if ((!dialog.capture && !dialog.waitingForDisk) || msml.dialogId !== dialog.dialogId) {
      return reply(404, `no dialog ${msml.dialogId}`);
    }
    const now = Date.now();
    if (msml.kind === 'send') {
      dialog.paused = msml.event === 'pause';
      if (dialog.paused) {
        dialog.capture?.pause(now);
        dialog.journal?.pause(now);
      } else {
        dialog.capture?.resume(now);
        dialog.journal?.resume(now);
      }
      return reply(200, msml.event === 'pause' ? 'recording paused' : 'recording resumed', msml.dialogId);
    }
    dialog.waitingForDisk = false;
    this.endRecording(dialog);
    return reply(200, 'recording stopped', msml.dialogId);
  }

  /** SIP INFO `application/dtmf-relay` (`Signal=<digit>`): the party keyed a digit. */
  private dtmf(request: SipMessage, dialog: McpDialog): SipMessage {
    const digit = /^Signal=([0-9*#A-D])\s*$/m.exec(request.body)?.[1];
    const side = sipHeader(request, 'X-Vox-Party') ?? 'customer';
    if (!digit || !dtmfSides.has(side)) return sipResponse(request, '400 Bad Request');
    dialog.capture?.keyDigits(side as 'agent' | 'customer', digit, Date.now());
    return sipResponse(request, '200 OK');
  }

  private bye(request: SipMessage, sipCallId: string): SipMessage {
    const dialog = this.dialogs.get(sipCallId);
    if (!dialog) return sipResponse(request, '481 Call/Transaction Does Not Exist');
    this.endRecording(dialog);
    this.dialogs.delete(sipCallId);
    return sipResponse(request, '200 OK');
  }

  private startRecording(dialog: McpDialog, paused = false): void {
    const { profile, workDir, journals } = this.options;
    const base = path.join(workDir, `${this.name}-${dialog.connTag}-${dialog.mediaSequence}`);
    const encryption = this.options.vault.encryptionKey;
    dialog.captureFiles = [
      { format: profile.mp3, path: `${base}.mp3`, ...(encryption ? { encryption } : {}) },
      ...(profile.analytics
        ? [{ format: 'wav-g711-ulaw' as const, path: `${base}.wav`, ...(encryption ? { encryption } : {}) }]
        : []),
    ];
    const seed = Number.parseInt(dialog.call.connId.slice(-8), 16) || 1;
    const startTime = Date.now();
    const capture = this.options.engine.start({ startTime, seed, outputs: dialog.captureFiles });
    dialog.capture = capture;
    dialog.journal = journals.begin({
      recordingId: dialog.recordingId!,
      origin: 'simulation',
      writer: this.name,
      mediaSequence: dialog.mediaSequence,
      ivrProfile: profile.name,
      ...(dialog.destFolder ? { destFolder: dialog.destFolder } : {}),
      call: {
        connId: dialog.call.connId,
        callUuid: dialog.call.callUuid,
        recordDn: dialog.call.recordDn,
        ani: dialog.call.ani,
        dnis: dialog.call.dnis,
        ...(dialog.call.agentId ? { agentId: dialog.call.agentId } : {}),
      },
      startTime,
      outputs: dialog.captureFiles.map(({ format, path }) => ({ format, path })),
    });
    if (paused) {
      capture.pause(startTime);
      dialog.journal.pause(startTime);
    }
    capture.onFailure?.((error) => this.captureFailed(dialog, capture, error));
  }

  /**
   * A capture failed while it ran. What it wrote is recovered as an interrupted media file (from
   * its journal). A dead media worker: the recording goes on at once in a new file on another
   * worker, as the Resource Manager fails a session over to another MCP. A full disk: it goes on
   * once space is back.
   */
  private captureFailed(dialog: McpDialog, failed: CaptureHandle, error: Error): void {
    if (dialog.capture !== failed) return;
    const reason = isDiskFull(error) ? 'disk_full' : 'media_failure';
    const journal = dialog.journal;
    if (journal) {
      journal.interrupt(reason);
      this.options.journals.release(journal);
    }
    dialog.capture = undefined;
    dialog.journal = undefined;
    if (!this.alive || !this.dialogs.has(dialog.sipCallId)) return;
    if (reason === 'disk_full') {
      dialog.waitingForDisk = true;
      this.options.disk.noteFull();
      return;
    }
    this.options.log.warn(
      `MCP ${this.name}: recording ${dialog.recordingId} lost its media worker (${error.message}); ` +
        `it goes on as media file ${dialog.mediaSequence + 1}`,
    );
    this.continueRecording(dialog);
  }

  /** The recording goes on in the next media file. */
  private continueRecording(dialog: McpDialog): void {
    dialog.mediaSequence++;
    try {
      this.startRecording(dialog, dialog.paused);
    } catch (error) {
      this.options.log.error({ err: error }, `MCP ${this.name}: recording ${dialog.recordingId} could not go on`);
    }
  }

  /** The disk filled up: recordings stop, files sealed; space is back: each goes on in a new file. */
  private diskChanged(full: boolean): void {
    if (!this.alive) return;
    for (const dialog of this.dialogs.values()) {
      if (full && dialog.capture) {
        this.endRecording(dialog, 'disk_full');
        dialog.waitingForDisk = true;
      } else if (!full && dialog.waitingForDisk) {
        dialog.waitingForDisk = false;
        this.continueRecording(dialog);
      }
    }
  }

  private endRecording(dialog: McpDialog, interrupted?: VoiceInterruption): void {
    const capture = dialog.capture;
    const recordingId = dialog.recordingId;
    const journal = dialog.journal;
    if (!capture || !recordingId) return;
    const { mediaSequence, destFolder } = dialog;
    dialog.capture = undefined;
    dialog.journal = undefined;
    const job = capture
      .stop(Date.now())
      .then(
        async (captured) => {
          journal?.captured({
            durationMs: captured.durationMs,
            pauses: captured.pauses,
            outputs: captured.outputs.map(({ path, size }) => ({ path, size })),
            ...(interrupted ? { interrupted } : {}),
          });
          await this.storeAndPost(dialog, captured, { recordingId, mediaSequence, destFolder, interrupted }, journal);
          await journal?.remove();
        },
        (error: unknown) => {
          // The worker died with it: the journal lets its files be recovered.
          journal?.interrupt('media_failure');
          throw error;
        },
      )
      .catch((error: unknown) =>
        this.options.log.warn(
          { err: error },
          `MCP ${this.name}: recording ${recordingId} was not stored yet; its journal keeps it for another try`,
        ),
      )
      .finally(() => {
        if (journal) this.options.journals.release(journal);
        this.finishing.delete(job);
      });
    this.finishing.add(job);
  }

  private async storeAndPost(
    dialog: McpDialog,
    captured: CapturedMedia,
    file: {
      recordingId: string;
      mediaSequence: number;
      destFolder: string | undefined;
      interrupted: VoiceInterruption | undefined;
    },
    journal: RecordingJournal | undefined,
  ): Promise<void> {
    for (const output of captured.outputs) {
      if (journal?.entry.queued.includes(output.path)) continue;
      const { storagePath, metadata } = voiceFileDelivery(
        { ...dialog.call, recordingId: file.recordingId },
        captured,
        output,
        {
          mediaSequence: file.mediaSequence,
          ivrProfile: this.options.profile.name,
          ...(file.destFolder ? { destFolder: file.destFolder } : {}),
        },
      );
      if (file.interrupted) metadata.mediaFile.interrupted = file.interrupted;
      await this.options.outbox.deliver('voice', storagePath, output.path, metadata);
      journal?.queued(output.path);
    }
  }
}
