import type { ScreenCaptureSettings } from '@vox/shared';

/** A running capture of the screen that yields encoded WebM chunks. */
export interface ScreenCapture {
  /**
   * Stops capturing the screen's content while the timeline goes on (black frames), so the
   * screen recording stays as long as the voice recording, whose pause is silence.
   */
  pause(): void;
  resume(): void;
  /** Resolves when the last chunk has been delivered. */
  stop(): Promise<void>;
}

export interface ScreenCaptureCallbacks {
  /** The first frame is being captured: the moment the screen timeline starts. */
  onStart(at: Date): void;
  onChunk(chunk: Uint8Array): void;
  /** The capture ended by itself (the user stopped sharing, the device went away). */
  onEnded(reason: string): void;
}

export type StartScreenCapture = (callbacks: ScreenCaptureCallbacks) => Promise<ScreenCapture>;

/** Chunks of at most 2 s each, so a crash loses at most 2 s of screen. */
export const chunkMs = 2000;

/**
 * The agent's shared screen, held for the whole shift. Browsers grant getDisplayMedia only right
 * after a click (transient user activation), and recordings start from call events, so the page
 * asks once, on a click (login or "Share screen"), and every recording reuses the stream. In
 * Electron the main process answers the request with the primary screen, without a picker.
 */
export class DisplayMediaShare {
  private stream: MediaStream | undefined;
  private pending: Promise<MediaStream> | undefined;

  constructor(
    private readonly settings: () => ScreenCaptureSettings,
    private readonly onChange: (live: boolean) => void = () => undefined,
  ) {}

  get live(): boolean {
    return this.stream?.getVideoTracks().some((track) => track.readyState === 'live') ?? false;
  }

  /** Asks for the screen unless a live share exists; call it from a click handler. */
  acquire(): Promise<MediaStream> {
    if (this.stream && this.live) return Promise.resolve(this.stream);
    const { frameRate, maxWidth, maxHeight } = this.settings();
    this.pending ??= navigator.mediaDevices
      .getDisplayMedia({
        video: {
          frameRate: { ideal: frameRate, max: frameRate },
          width: { max: maxWidth },
          height: { max: maxHeight },
        },
        audio: false,
      })
      .then((stream) => {
        this.stream = stream;
        for (const track of stream.getVideoTracks()) track.addEventListener('ended', () => this.onChange(false));
        this.onChange(true);
        return stream;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * Stops sharing (the agent logged out). Recordings run on clones of the track, which their own
   * stop ends; stopping the share fires no `ended`, so whoever shows the share state resets it.
   */
  release(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
  }
}

/** Records the shared screen with MediaRecorder (VP8 WebM) in chunks of at most 2 s. */
export function displayMediaCapture(
  share: DisplayMediaShare,
  settings: () => ScreenCaptureSettings,
): StartScreenCapture {
  return async (callbacks) => {
    const shared = await share.acquire();
    // Each recording has its own copy of the track: disabling it for a pause (a disabled video
    // track yields black frames) leaves the share, and the next recording, untouched.
    const tracks = shared.getVideoTracks().map((track) => track.clone());
    const stream = new MediaStream(tracks);
    const mimeType = ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm'].find((t) =>
      MediaRecorder.isTypeSupported(t),
    );
    const recorder = new MediaRecorder(stream, {
      ...(mimeType ? { mimeType } : {}),
      videoBitsPerSecond: settings().videoBitsPerSecond,
    });
    let pending = Promise.resolve();
    recorder.ondataavailable = (event) => {
      if (event.data.size === 0) return;
      pending = pending.then(async () => callbacks.onChunk(new Uint8Array(await event.data.arrayBuffer())));
    };
    recorder.onstart = () => callbacks.onStart(new Date());
    const stopped = new Promise<void>((resolve) => {
      recorder.onstop = () => void pending.then(resolve);
    });
    const ended = () => {
      if (recorder.state !== 'inactive') {
        callbacks.onEnded('screen sharing was stopped outside Vox');
        recorder.stop();
      }
    };
    for (const track of tracks) track.addEventListener('ended', ended);
    recorder.start(chunkMs);
    return {
      pause() {
        for (const track of tracks) track.enabled = false;
      },
      resume() {
        for (const track of tracks) track.enabled = true;
      },
      async stop() {
        if (recorder.state !== 'inactive') recorder.stop();
        await stopped;
        for (const track of tracks) {
          track.removeEventListener('ended', ended);
          track.stop();
        }
      },
    };
  };
}
