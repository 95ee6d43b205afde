import type { DesktopApi, RecordingEvent, TenantPublicKey } from '@vox/shared';
import type { ScreenCapture, StartScreenCapture } from './screen-capture.ts';
import { ScreenEncryptor } from './screen-encryptor.ts';

export type ScreenRecorderState =
  | { kind: 'idle' }
  | { kind: 'starting'; connId: string }
  | { kind: 'recording'; connId: string; since: Date }
  | { kind: 'uploading'; connId: string }
  | { kind: 'uploaded'; connId: string }
  | { kind: 'failed'; connId: string | undefined; message: string };

interface ActiveScreenRecording {
  connId: string;
  recordingId: string;
  capture: ScreenCapture | undefined;
  spoolId: Promise<string> | undefined;
  /** chunks are appended in order, one after the other */
  appended: Promise<void>;
  /** encrypts before anything reaches the spool; undefined when the backend stores plaintext */
  encryptor: ScreenEncryptor | undefined;
  stopRequested: boolean;
}

/**
 * The screen recording client: follows the voice recording of the agent's DN. One screen
 * recording at a time, for the first voice call that starts recording; a second call's events
 * are ignored until it ends. Duplicate events change nothing.
 */
export class ScreenRecorder {
  private active: ActiveScreenRecording | undefined;
  private state: ScreenRecorderState = { kind: 'idle' };

  constructor(
    private readonly api: DesktopApi,
    private readonly startCapture: StartScreenCapture,
    private readonly token: () => string,
    private readonly onState: (state: ScreenRecorderState) => void,
    /** the tenant key to encrypt with (the backend's); undefined: the recording stays plain */
    private readonly tenantKey: () => Promise<TenantPublicKey | undefined> = () => Promise.resolve(undefined),
  ) {}

  get current(): ScreenRecorderState {
    return this.state;
  }

  async voiceRecordingStarted(event: RecordingEvent): Promise<void> {
    if (this.active) return;
    const active: ActiveScreenRecording = {
      connId: event.connId,
      recordingId: event.recordingId,
      capture: undefined,
      spoolId: undefined,
      appended: Promise.resolve(),
      encryptor: undefined,
      stopRequested: false,
    };
    this.active = active;
    this.setState({ kind: 'starting', connId: event.connId });
    try {
      const key = await this.tenantKey();
      active.encryptor = key ? await ScreenEncryptor.create(key) : undefined;
      active.capture = await this.startCapture({
        onStart: (at) => {
          active.spoolId = this.api.openScreenSpool({
            connId: active.connId,
            recordingId: active.recordingId,
            filetype: 'video/webm',
            startedAt: at.toISOString(),
          });
          this.setState({ kind: 'recording', connId: active.connId, since: at });
          if (active.encryptor) this.append(active, Promise.resolve([active.encryptor.header]));
        },
        onChunk: (chunk) =>
          this.append(active, active.encryptor ? active.encryptor.push(chunk) : Promise.resolve([chunk])),
        onEnded: (reason) => this.setState({ kind: 'failed', connId: active.connId, message: reason }),
      });
    } catch (error) {
      this.active = undefined;
      this.setState({
        kind: 'failed',
        connId: event.connId,
        message: `screen capture could not start: ${messageOf(error)}`,
      });
      return;
    }
    if (active.stopRequested) await this.finish(active);
  }

  async voiceRecordingStopped(event: RecordingEvent): Promise<void> {
    const active = this.active;
    if (!active || active.connId !== event.connId || active.stopRequested) return;
    active.stopRequested = true;
    // Still waiting for getDisplayMedia: voiceRecordingStarted finishes it once capture is up.
    if (!active.capture) return;
    await this.finish(active);
  }

  private async finish(active: ActiveScreenRecording): Promise<void> {
    try {
      await active.capture?.stop();
      if (active.encryptor) {
        const encryptor = active.encryptor;
        this.append(
          active,
          encryptor.finish().then((last) => [last]),
        );
      }
      await active.appended;
      if (!active.spoolId) throw new Error('the capture stopped before its first frame');
      this.setState({ kind: 'uploading', connId: active.connId });
      await this.api.uploadScreenSpool(await active.spoolId, this.token());
      this.setState({ kind: 'uploaded', connId: active.connId });
    } catch (error) {
      this.setState({ kind: 'failed', connId: active.connId, message: messageOf(error) });
    } finally {
      if (this.active === active) this.active = undefined;
    }
  }

  /** Appends to the spool in order, after what was appended before. */
  private append(active: ActiveScreenRecording, chunks: Promise<Uint8Array[]>): void {
    active.appended = active.appended.then(async () => {
      if (!active.spoolId) throw new Error('a screen chunk arrived before the capture started');
      const spoolId = await active.spoolId;
      for (const chunk of await chunks) await this.api.appendScreenChunk(spoolId, chunk);
    });
  }

  private setState(state: ScreenRecorderState): void {
    this.state = state;
    this.onState(state);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
