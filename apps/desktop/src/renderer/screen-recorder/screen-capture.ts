/** A running capture of the screen that yields encoded WebM chunks. */
export interface ScreenCapture {
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
 * Captures the whole screen with getDisplayMedia and MediaRecorder (VP8 WebM). In Electron the main
 * process answers getDisplayMedia with the primary screen, without a picker.
 */
export const startDisplayMediaCapture: StartScreenCapture = async (callbacks) => {
  const stream = await navigator.mediaDevices.getDisplayMedia({
    video: { frameRate: { ideal: 15, max: 15 }, width: { max: 1920 }, height: { max: 1080 } },
    audio: false,
  });
  const mimeType = ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm'].find((t) =>
    MediaRecorder.isTypeSupported(t),
  );
  const recorder = new MediaRecorder(stream, { ...(mimeType ? { mimeType } : {}), videoBitsPerSecond: 1_000_000 });
  let pending = Promise.resolve();
  recorder.ondataavailable = (event) => {
    if (event.data.size === 0) return;
    pending = pending.then(async () => callbacks.onChunk(new Uint8Array(await event.data.arrayBuffer())));
  };
  recorder.onstart = () => callbacks.onStart(new Date());
  const stopped = new Promise<void>((resolve) => {
    recorder.onstop = () => void pending.then(resolve);
  });
  for (const track of stream.getVideoTracks()) {
    track.onended = () => {
      if (recorder.state !== 'inactive') {
        callbacks.onEnded('screen sharing was stopped outside Vox');
        recorder.stop();
      }
    };
  }
  recorder.start(chunkMs);
  return {
    async stop() {
      if (recorder.state !== 'inactive') recorder.stop();
      await stopped;
      for (const track of stream.getTracks()) track.stop();
    },
  };
};
