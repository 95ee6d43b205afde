import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CallSnapshot, RecordingEventName } from '@vox/shared';
import type { CallDetails, CallDetailsStore } from '../../recording/call-details/call-details.ts';
import type { MediaVault } from '../../recording/crypto/media-vault.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type {
  CallSide,
  CaptureEngine,
  CapturedMedia,
  CaptureOutput,
  RtpCaptureHandle,
  RtpStreamSpec,
} from '../../platform/media/capture-engine.ts';
import type { IvrProfile } from '../mcp/media-control-platform.ts';
import { voiceFileDelivery } from '../../recording/recordings/voice-file-metadata.ts';
import { newCallUuid, newConnId } from '../sip-server/call-ids.ts';
import type { CallTrace } from '../sip-server/call-trace.ts';
import type { StorageOutbox } from '../../recording/storage/storage-outbox.ts';
import type { RecordingJournal, RecordingJournals } from '../../recording/recordings/recording-journal.ts';

export interface SiprecRecordingDeps {
  engine: CaptureEngine;
  workDir: string;
  outbox: StorageOutbox;
  vault: MediaVault;
  journals: RecordingJournals;
  profile: IvrProfile;
  callDetails: CallDetailsStore;
  bus: EventBus;
  log: Logger;
}

/** The call a SIPREC session records, as its metadata describes it. */
export interface SiprecCall {
  /** the customer's number (ANI) */
  ani: string;
  /** the number the customer dialled, or the agent's (DNIS) */
  dnis: string;
  /** the tenant's DN that takes part (the agent's extension), when one does */
  agent: { dn: string; agentId: string | undefined; group: string | undefined } | undefined;
  /** SIPREC session id, Call-ID and the like, kept in the recording's attached data */
  attachedData: Record<string, string>;
}

/** Why a SIPREC recording ended. */
export type SiprecEnd = 'bye' | 'rtp-timeout' | 'no-ack' | 'shutdown';

const endNotes: Record<SiprecEnd, string> = {
  bye: 'the SRC ended the session (BYE)',
  'rtp-timeout': 'interrupted: no RTP and no signalling from the SRC',
  'no-ack': 'interrupted: the SRC never acknowledged the answer',
  shutdown: 'interrupted: the recorder stopped',
};

/**
 * One SIPREC session's recording: the call details the Recording Processor merges (ICON's part
 * for a real call), the capture of the forked RTP streams, the recording events the agent's
 * desktop records its screen by, and the files stored through the outbox like an MCP's.
 */
export class SiprecRecording {
  readonly connId = newConnId();
  readonly callUuid = newCallUuid();
  readonly recordingId = this.callUuid;
  readonly startTime = Date.now();
  state: 'recording' | 'paused' = 'recording';
  private readonly capture: RtpCaptureHandle;
  private readonly files: CaptureOutput[];
  private readonly details: CallDetails;
  private readonly journal: RecordingJournal;
  private ended: Promise<void> | undefined;
  /** last SIP message from the SRC: RTP timeout counts from it too */
  lastSignallingAt = Date.now();

  constructor(
    private readonly deps: SiprecRecordingDeps,
    private call: SiprecCall,
    streams: RtpStreamSpec[],
    /** the session's SIP dialogue with the SRC: the recording's call ladder */
    readonly trace: CallTrace,
  ) {
    const base = path.join(deps.workDir, `siprec-${this.connId}`);
    const encryption = deps.vault.encryptionKey;
    this.files = [
      { format: deps.profile.mp3, path: `${base}.mp3`, ...(encryption ? { encryption } : {}) },
      ...(deps.profile.analytics
        ? [{ format: 'wav-g711-ulaw' as const, path: `${base}.wav`, ...(encryption ? { encryption } : {}) }]
        : []),
    ];
    this.capture = deps.engine.startRtp(
      { startTime: this.startTime, seed: 1, outputs: this.files, rtp: streams },
      { digit: (side, digit, atMs) => this.digit(side, digit, atMs) },
    );
    this.details = {
      connId: this.connId,
      callUuid: this.callUuid,
      ani: call.ani,
      dnis: call.dnis,
      agentId: call.agent?.agentId,
      agentDn: call.agent?.dn,
      group: call.agent?.group,
      groups: call.agent?.group ? [call.agent.group] : [],
      agentIds: call.agent?.agentId ? [call.agent.agentId] : [],
      parties: [
        { dn: call.ani, role: 'customer' },
        ...(call.agent ? [{ dn: call.agent.dn, role: 'agent' as const }] : []),
      ],
      attachedData: { ...call.attachedData },
      eventHistory: [],
    };
    deps.callDetails.put(this.details);
    this.journal = deps.journals.begin({
      recordingId: this.recordingId,
      origin: 'siprec',
      writer: 'siprec',
      mediaSequence: 1,
      ivrProfile: deps.profile.name,
      call: this.recordedCall(),
      startTime: this.startTime,
      outputs: this.files.map(({ format, path }) => ({ format, path })),
    });
  }

  /** Resolves once the RTP ports are bound; rejects when one is taken (the capture is gone then). */
  get bound(): Promise<void> {
    return this.capture.bound;
  }

  /** The agent DN whose desktop records its screen with this recording. */
  get agentDn(): string | undefined {
    return this.call.agent?.dn;
  }

  /** The SRC's answer went out: the call is on, and recorded (paused when its streams are inactive). */
  begin(paused: boolean): void {
    this.history('SiprecSessionStarted', this.call.agent?.dn ?? this.call.ani);
    this.callEvent('EventEstablished');
    this.history('RecordingStarted', this.recordDn, 'SIPREC');
    this.recordingEvent('RecordingStarted');
    if (paused) this.pause('the SRC offered the streams inactive');
  }

  pause(reason: string): void {
    if (this.state === 'paused' || this.ended) return;
    this.state = 'paused';
    const at = Date.now();
    this.capture.pause(at);
    this.journal.pause(at);
    this.history('RecordingPaused', this.recordDn, reason);
    this.recordingEvent('RecordingPaused');
  }

  resume(reason: string): void {
    if (this.state === 'recording' || this.ended) return;
    this.state = 'recording';
    const at = Date.now();
    this.capture.resume(at);
    this.journal.resume(at);
    this.history('RecordingResumed', this.recordDn, reason);
    this.recordingEvent('RecordingResumed');
  }

  /** New metadata in a re-INVITE or UPDATE: the call data follows it. */
  updateCall(call: SiprecCall): void {
    this.call = { ...call, agent: this.call.agent ?? call.agent };
    this.details.ani = call.ani;
    this.details.dnis = call.dnis;
    Object.assign(this.details.attachedData, call.attachedData);
    this.history('SiprecMetadataUpdated', this.recordDn);
  }

  /** When the SRC was last heard of, RTP or SIP (epoch ms). */
  lastHeardAt(): number {
    return Math.max(this.lastSignallingAt, this.capture.lastPacketAt());
  }

  /** Ends the recording (once): the files are finished, stored, and their metadata posted. */
  end(reason: SiprecEnd): Promise<void> {
    this.ended ??= this.finish(reason);
    return this.ended;
  }

  /** The SRC cancelled before the answer: nothing was recorded, nothing is kept. */
  async abandon(): Promise<void> {
    this.deps.callDetails.ended(this.connId);
    this.ended ??= this.capture
      .stop(Date.now())
      .then((captured) => Promise.all(captured.outputs.map((o) => fs.rm(o.path, { force: true }))))
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => this.journal.remove())
      .finally(() => this.deps.journals.release(this.journal));
    await this.ended;
  }

  /** The session as the agent's desktop sees a call (`GET /sim/calls?dn=`). */
  snapshot(): CallSnapshot {
    const recordReason = 'recorded by the SBC/PBX through SIPREC';
    return {
      connId: this.connId,
      callUuid: this.callUuid,
      ani: this.call.ani,
      dnis: this.call.dnis,
      state: 'established',
      parties: this.details.parties.map((p) => ({ ...p, state: 'established', recordEnabled: true, recordReason })),
      recording: { state: this.state, recordingId: this.recordingId, note: `recorded: ${recordReason}` },
      attachedData: this.details.attachedData,
      origin: 'siprec',
    };
  }

  private get recordDn(): string {
    return this.call.agent?.dn ?? this.call.dnis;
  }

  private digit(side: CallSide, _digit: string, atMs: number): void {
    // A digit may be part of a card number: the history keeps when and who, never which.
    this.history('DTMF', side === 'agent' ? this.recordDn : this.call.ani, `RFC 4733 digit from the ${side}`, atMs);
  }

  private async finish(reason: SiprecEnd): Promise<void> {
    const at = Date.now();
    this.deps.callDetails.ended(this.connId, at);
    this.history('RecordingStopped', this.recordDn, endNotes[reason]);
    this.recordingEvent('RecordingStopped');
    this.callEvent('EventReleased');
    if (reason !== 'bye') this.details.attachedData['vox.interrupted'] = reason;
    let captured: CapturedMedia;
    try {
      captured = await this.capture.stop(at);
    } catch (error) {
      // Its journal lets what reached the disk be recovered as an interrupted file.
      this.deps.log.error({ err: error }, `SIPREC recording ${this.recordingId}: the capture failed`);
      this.journal.interrupt('media_failure');
      this.deps.journals.release(this.journal);
      return;
    }
    this.deps.bus.emit('callLadderComplete', this.connId, this.callUuid, this.trace.list());
    for (const stream of captured.rtp ?? []) {
      this.details.attachedData[`siprec.${stream.side}.rtp`] =
        `${stream.codec} ${stream.packets} packets, ${stream.lost} lost, ${stream.late} late, ` +
        `placed within ${Math.ceil(stream.maxPlacementMs)} ms` +
        (stream.source ? ` from ${stream.source}` : '');
    }
    this.deps.callDetails.touch(this.connId);
    this.journal.captured({
      durationMs: captured.durationMs,
      pauses: captured.pauses,
      outputs: captured.outputs.map(({ path, size }) => ({ path, size })),
    });
    try {
      await this.store(captured);
      await this.journal.remove();
    } finally {
      this.deps.journals.release(this.journal);
    }
  }

  /** The call as the voice files' metadata names it. */
  private recordedCall() {
    return {
      connId: this.connId,
      callUuid: this.callUuid,
      recordDn: this.recordDn,
      ani: this.call.ani,
      dnis: this.call.dnis,
      ...(this.call.agent?.agentId ? { agentId: this.call.agent.agentId } : {}),
    };
  }

  private async store(captured: CapturedMedia): Promise<void> {
    for (const output of captured.outputs) {
      if (this.journal.entry.queued.includes(output.path)) continue;
      const { storagePath, metadata } = voiceFileDelivery(
        { ...this.recordedCall(), recordingId: this.recordingId },
        captured,
        output,
        { mediaSequence: 1, ivrProfile: this.deps.profile.name, origin: 'siprec' },
      );
      await this.deps.outbox.deliver('voice', storagePath, output.path, metadata);
      this.journal.queued(output.path);
    }
  }

  private history(event: string, dn: string, detail?: string, atMs?: number): void {
    const at = new Date(atMs === undefined ? Date.now() : this.startTime + atMs).toISOString();
    this.details.eventHistory.push({ at, event, dn, ...(detail ? { detail } : {}) });
    this.deps.callDetails.touch(this.connId);
  }

  private callEvent(name: 'EventEstablished' | 'EventReleased'): void {
    const agent = this.call.agent;
    if (!agent) return;
    this.deps.bus.emit('callEvent', name, {
      connId: this.connId,
      callUuid: this.callUuid,
      dn: agent.dn,
      otherDn: this.call.ani,
      ani: this.call.ani,
      dnis: this.call.dnis,
      parties: this.snapshot().parties.map((p) => (name === 'EventReleased' ? { ...p, state: 'released' } : p)),
      attachedData: this.details.attachedData,
      at: new Date().toISOString(),
      origin: 'siprec',
    });
  }

  private recordingEvent(name: RecordingEventName): void {
    const agent = this.call.agent;
    this.deps.bus.emit(
      'recordingEvent',
      name,
      {
        connId: this.connId,
        callUuid: this.callUuid,
        recordingId: this.recordingId,
        dn: agent?.dn ?? this.recordDn,
        at: new Date().toISOString(),
      },
      agent?.group,
    );
  }
}
