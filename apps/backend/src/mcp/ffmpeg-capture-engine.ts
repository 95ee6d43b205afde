import fs from 'node:fs/promises';
import type { CaptureEngine, CaptureHandle, CaptureOptions } from './capture-engine.ts';
import { recordingProfiles } from './recording-profile.ts';
import { RecordingSession } from './recording-session.ts';

const mediaClockMs = 100;

/**
 * Captures with one ffmpeg process per recording, pumped by a main-thread clock: exact but heavy.
 * MP3 only, no DTMF. Kept as the reference the worker-thread engine is checked against.
 */
export class FfmpegCaptureEngine implements CaptureEngine {
  private readonly sessions = new Set<RecordingSession>();
  private clock: NodeJS.Timeout | undefined;

  start(options: CaptureOptions): CaptureHandle {
    const [output, ...others] = options.outputs;
    if (!output || others.length > 0 || output.format === 'wav-g711-ulaw') {
      throw new Error('the ffmpeg capture engine writes exactly one MP3 file');
    }
    const session = new RecordingSession(
      output.path,
      recordingProfiles[output.format],
      new Date(options.startTime),
      options.seed,
    );
    this.sessions.add(session);
    this.clock ??= setInterval(() => {
      for (const s of this.sessions) s.pump(Date.now());
    }, mediaClockMs);
    const finish = () => {
      this.sessions.delete(session);
      if (this.sessions.size === 0 && this.clock) {
        clearInterval(this.clock);
        this.clock = undefined;
      }
    };
    return {
      pause: (at) => session.pause(at),
      resume: (at) => session.resume(at),
      keyDigits: () => {},
      stop: async (at) => {
        finish();
        const captured = await session.stop(at);
        const { size } = await fs.stat(captured.path);
        return { ...captured, outputs: [{ format: output.format, path: captured.path, size }] };
      },
      abort: async () => {
        finish();
        session.abort();
        await fs.rm(output.path, { force: true });
      },
    };
  }

  async close(): Promise<void> {
    if (this.clock) clearInterval(this.clock);
    this.clock = undefined;
  }
}
