import type { DesktopApi, RecordingEvent, RecordingState, ScreenRecordingIncident, TenantPublicKey } from '@vox/shared';
import type { ScreenCapture, StartScreenCapture } from './screen-capture.ts';
import { ScreenEncryptor } from './screen-encryptor.ts';
import { errorMessage } from '@vox/shared';

export type ScreenRecorderState =
  | { kind: 'idle' }
  | { kind: 'starting'; connId: string }
  | { kind: 'recording'; connId: string; since: Date }
  | { kind: 'paused'; connId: string; since: Date }
  | { kind: 'failed'; connId: string | undefined; message: string };

/** A voice recording of one of the agent's calls, as the SIP Server reported it. */
export interface VoiceRecording {
  connId: string;
  recordingId: string;
  state: Exclude<RecordingState, 'idle'>;
}

interface ActiveScreenRecording {
  connId: string;
  recordingId: string;
  capture: ScreenCapture;
  spoolId: Promise<string> | undefined;
  /** chunks are appended in order, one after the other */
  appended: Promise<void>;
  /** encrypts before anything reaches the spool; undefined when the backend stores plaintext */
  encryptor: ScreenEncryptor | undefined;
  paused: boolean;
  /** why the screen recording ended before the voice recording did */
  cutShort: { reason: ScreenRecordingIncident['reason']; message: string } | undefined;
}

export interface ScreenRecorderOptions {
  api: DesktopApi;
  startCapture: StartScreenCapture;
  token(): string;
  onState(state: ScreenRecorderState): void;
  /** the tenant key to encrypt with (the backend's); undefined: the recording stays plain */
  tenantKey?(): Promise<TenantPublicKey | undefined>;
  /** tells the backend a screen recording stopped before its voice recording did */
  reportIncident?(incident: ScreenRecordingIncident): Promise<void>;
}

/**
 * The screen recording client: follows the voice recordings of the agent's DN. One screen
 * recording at a time, for the first call whose voice is recorded; when it ends and another call
 * is still recorded, that call's screen recording starts. The screen pauses and resumes with the
 * voice. Every event only updates what the recorder knows of the voice recordings; one reconcile
 * step, run after the other, brings the screen in line, so duplicates, any order and a catch-up
 * after a reconnect all end in the same state.
 */
export class ScreenRecorder {
  private readonly voice = new Map<string, VoiceRecording>();
  /** calls whose screen recording failed or was cut short: not started again for that call */
  private readonly givenUp = new Set<string>();
  private active: ActiveScreenRecording | undefined;
  private state: ScreenRecorderState = { kind: 'idle' };
  /** the agent's session ended: no screen recording runs any longer, whatever the voice does */
  private stopped = false;
  private steps: Promise<void> = Promise.resolve();

  constructor(private readonly options: ScreenRecorderOptions) {}

  get current(): ScreenRecorderState {
    return this.state;
  }

  voiceRecordingStarted(event: RecordingEvent): Promise<void> {
    if (!this.voice.has(event.connId)) {
      this.voice.set(event.connId, { connId: event.connId, recordingId: event.recordingId, state: 'recording' });
    }
    return this.reconcile();
  }

  voiceRecordingPaused(event: RecordingEvent): Promise<void> {
    return this.setVoiceState(event.connId, 'paused');
  }

  voiceRecordingResumed(event: RecordingEvent): Promise<void> {
    return this.setVoiceState(event.connId, 'recording');
  }

  voiceRecordingStopped(event: RecordingEvent): Promise<void> {
    return this.callLeft(event.connId);
  }

  /**
   * The agent is no longer on the call (released, transferred away): its screen is no longer
   * part of the call, even though the call's recording goes on for the parties that remain.
   */
  callLeft(connId: string): Promise<void> {
    this.voice.delete(connId);
    this.givenUp.delete(connId);
    return this.reconcile();
  }

  /**
   * After a (re)connect: the voice recordings the SIP Server has now replace what the recorder
   * knew, so events missed while offline neither leave a screen recording running nor miss one.
   */
  catchUp(recordings: VoiceRecording[]): Promise<void> {
    this.voice.clear();
    for (const recording of recordings) this.voice.set(recording.connId, recording);
    for (const connId of this.givenUp) if (!this.voice.has(connId)) this.givenUp.delete(connId);
    return this.reconcile();
  }

  /**
   * The agent's session ended (a logout, the window closing): the screen recording under way ends
   * and goes up like one whose call ended, and no other starts, whatever events still come.
   */
  stop(): Promise<void> {
    this.stopped = true;
    return this.reconcile();
  }

  private setVoiceState(connId: string, state: VoiceRecording['state']): Promise<void> {
    const recording = this.voice.get(connId);
    if (recording) recording.state = state;
    return this.reconcile();
  }

  private reconcile(): Promise<void> {
    this.steps = this.steps.then(() => this.step()).catch((error: unknown) => this.fail(undefined, error));
    return this.steps;
  }

  private async step(): Promise<void> {
    const active = this.active;
    if (active) {
      const voice = this.voice.get(active.connId);
      if (!voice || active.cutShort || this.stopped) {
        this.active = undefined;
        await this.finish(active);
      } else {
        if (voice.state === 'paused' && !active.paused) this.pause(active);
        if (voice.state === 'recording' && active.paused) this.resume(active);
        return;
      }
    }
    const next = this.stopped
      ? undefined
      : [...this.voice.values()].find((recording) => !this.givenUp.has(recording.connId));
    if (!next) {
      if (this.state.kind !== 'failed') this.setState({ kind: 'idle' });
      return;
    }
    await this.begin(next);
    // Events that came while the capture started are applied now.
    if (this.active) await this.step();
  }

  private async begin(voice: VoiceRecording): Promise<void> {
    this.setState({ kind: 'starting', connId: voice.connId });
    try {
      const key = await this.options.tenantKey?.();
      const encryptor = key ? await ScreenEncryptor.create(key) : undefined;
      // Exists before the capture does: a capture may deliver its first frame while starting.
      const active: ActiveScreenRecording = {
        connId: voice.connId,
        recordingId: voice.recordingId,
        capture: notStartedCapture,
        spoolId: undefined,
        appended: Promise.resolve(),
        encryptor,
        paused: false,
        cutShort: undefined,
      };
      active.capture = await this.options.startCapture({
        onStart: (at) => {
          active.spoolId = this.options.api.openScreenSpool({
            connId: voice.connId,
            recordingId: voice.recordingId,
            filetype: 'video/webm',
            startedAt: at.toISOString(),
          });
          if (encryptor) this.append(active, Promise.resolve([encryptor.header]));
          if (this.active === active || this.state.kind === 'starting') {
            this.setState({ kind: active.paused ? 'paused' : 'recording', connId: voice.connId, since: at });
          }
        },
        onChunk: (chunk) => this.append(active, encryptor ? encryptor.push(chunk) : Promise.resolve([chunk])),
        onEnded: (reason) => this.cutShort(active, 'capture_ended', reason),
      });
      this.active = active;
      // Paused while the capture started: not one more frame of the screen is kept.
      if (this.voice.get(voice.connId)?.state === 'paused') this.pause(active);
    } catch (error) {
      this.givenUp.add(voice.connId);
      const message = `screen capture could not start: ${errorMessage(error)}`;
      this.report({ connId: voice.connId, recordingId: voice.recordingId, reason: 'capture_refused', message });
      this.setState({ kind: 'failed', connId: voice.connId, message });
    }
  }

  private pause(active: ActiveScreenRecording): void {
    active.paused = true;
    active.capture.pause();
    this.setState({ kind: 'paused', connId: active.connId, since: new Date() });
  }

  private resume(active: ActiveScreenRecording): void {
    active.paused = false;
    active.capture.resume();
    this.setState({ kind: 'recording', connId: active.connId, since: new Date() });
  }

  /** The screen recording cannot go on (disk full, sharing stopped): keep what there is, say why. */
  private cutShort(active: ActiveScreenRecording, reason: ScreenRecordingIncident['reason'], message: string): void {
    if (active.cutShort) return;
    active.cutShort = { reason, message };
    this.givenUp.add(active.connId);
    this.report({ connId: active.connId, recordingId: active.recordingId, reason, message });
    void this.reconcile();
  }

  private async finish(active: ActiveScreenRecording): Promise<void> {
    try {
      await active.capture.stop();
      // A spool that filled the disk cannot take the closing chunk; it says it was cut instead.
      if (active.encryptor && active.cutShort?.reason !== 'disk_full') {
        const encryptor = active.encryptor;
        this.append(
          active,
          encryptor.finish().then((last) => [last]),
        );
      }
      await active.appended.catch(() => undefined);
      if (!active.spoolId) throw new Error('the capture stopped before its first frame');
      const spoolId = await active.spoolId;
      // The upload runs on its own; its progress and any failure show in the upload queue.
      void this.options.api.uploadScreenSpool(spoolId, this.options.token()).catch(() => undefined);
      if (active.cutShort) {
        this.setState({ kind: 'failed', connId: active.connId, message: active.cutShort.message });
      } else if (this.state.kind !== 'failed') {
        this.setState({ kind: 'idle' });
      }
    } catch (error) {
      this.fail(active.connId, error);
    }
  }

  /** Appends to the spool in order, after what was appended before. */
  private append(active: ActiveScreenRecording, chunks: Promise<Uint8Array[]>): void {
    active.appended = active.appended.then(async () => {
      if (active.cutShort?.reason === 'disk_full') return;
      if (!active.spoolId) throw new Error('a screen chunk arrived before the capture started');
      const spoolId = await active.spoolId;
      try {
        // One append per MediaRecorder chunk: one durable write every 2 s, not one per cipher chunk.
        const pieces = await chunks;
        if (pieces.length > 0) await this.options.api.appendScreenChunk(spoolId, concatenated(pieces));
      } catch (error) {
        const message = errorMessage(error);
        if (/disk_full/.test(message)) {
          this.cutShort(
            active,
            'disk_full',
            'Screen recording stopped: the disk is full. What was recorded so far is kept and uploaded; free some space for the next call.',
          );
          return;
        }
        this.cutShort(active, 'capture_ended', `the screen recording could not be saved: ${message}`);
      }
    });
  }

  private report(incident: ScreenRecordingIncident): void {
    void this.options.reportIncident?.(incident).catch(() => undefined);
  }

  private fail(connId: string | undefined, error: unknown): void {
    this.setState({ kind: 'failed', connId, message: errorMessage(error) });
  }

  private setState(state: ScreenRecorderState): void {
    this.state = state;
    this.options.onState(state);
  }
}

const notStartedCapture: ScreenCapture = {
  pause: () => undefined,
  resume: () => undefined,
  stop: () => Promise.resolve(),
};

function concatenated(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1 && pieces[0]) return pieces[0];
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.byteLength;
  }
  return out;
}
