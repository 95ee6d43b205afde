import type { DesktopApi, RecordingEvent } from '@vox/shared';
import type { ScreenCapture, StartScreenCapture } from './screen-capture.ts';

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
      stopRequested: false,
    };
    this.active = active;
    this.setState({ kind: 'starting', connId: event.connId });
    try {
      active.capture = await this.startCapture({
        onStart: (at) => {
          active.spoolId = this.api.openScreenSpool({
            connId: active.connId,
            recordingId: active.recordingId,
            filetype: 'video/webm',
            startedAt: at.toISOString(),
          });
          this.setState({ kind: 'recording', connId: active.connId, since: at });
        },
        onChunk: (chunk) => {
          active.appended = active.appended.then(async () => {
            if (!active.spoolId) throw new Error('a screen chunk arrived before the capture started');
            await this.api.appendScreenChunk(await active.spoolId, chunk);
          });
        },
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

  private setState(state: ScreenRecorderState): void {
    this.state = state;
    this.onState(state);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
