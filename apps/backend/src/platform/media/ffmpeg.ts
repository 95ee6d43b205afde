import { spawn } from 'node:child_process';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

/** The static ffmpeg shipped inside `@ffmpeg-installer/ffmpeg` (no ffprobe: probe with `ffmpeg -i`). */
export const ffmpegPath: string = process.env.VOX_FFMPEG_PATH ?? ffmpegInstaller.path;

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs ffmpeg to completion; rejects with the tail of its stderr when it fails, or when it runs
 * past `timeoutMs` (it is killed then: a crafted input must not hold a worker for hours).
 */
export function runFfmpeg(args: string[], options: { timeoutMs?: number } = {}): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-nostdin', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-64_000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut)
        reject(new FfmpegError(`ffmpeg ran past its limit of ${options.timeoutMs} ms and was stopped`, stderr));
      else if (code === 0) resolve({ stderr });
      else reject(new FfmpegError(`ffmpeg exited with ${code}: ${lastLines(stderr)}`, stderr));
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

export interface MediaProbe {
  /** ms, undefined where the container does not say (MediaRecorder WebM) */
  durationMs: number | undefined;
  /** kbit/s of the whole file, as ffmpeg reports it */
  bitrateKbps: number | undefined;
  streams: Array<{ kind: 'audio' | 'video'; codec: string; description: string }>;
}

/**
 * Input options that make ffmpeg read `file` as the named container from the local file only:
 * left to itself it picks a demuxer by content, and a playlist (HLS, concat) would send it to
 * read other files or URLs.
 */
export function localInput(file: string, format: 'matroska' | 'mp3'): string[] {
  return ['-f', format, '-protocol_whitelist', 'file', '-i', `file:${file}`];
}

/**
 * Reads duration and streams from `ffmpeg -i`, which exits 1 because no output is named; with a
 * `format`, as that container only (see localInput).
 */
export async function probeMedia(file: string, format?: 'matroska' | 'mp3'): Promise<MediaProbe> {
  const input = format ? localInput(file, format) : ['-i', file];
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-nostdin', ...input], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  return parseProbe(stderr);
}

export function parseProbe(stderr: string): MediaProbe {
  if (/Invalid data found|No such file|could not find codec parameters/i.test(stderr)) {
    throw new FfmpegError(`not a readable media file: ${lastLines(stderr)}`, stderr);
  }
  const duration = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  const bitrate = /Duration: [^\n]*bitrate: (\d+) kb\/s/.exec(stderr);
  const streams: MediaProbe['streams'] = [];
  for (const match of stderr.matchAll(/Stream #\d+:\d+[^:]*: (Audio|Video): (\w+)([^\n]*)/g)) {
    streams.push({
      kind: match[1] === 'Audio' ? 'audio' : 'video',
      codec: match[2] ?? '',
      description: (match[2] ?? '') + (match[3] ?? ''),
    });
  }
  return {
    durationMs: duration
      ? Math.round((Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000)
      : undefined,
    bitrateKbps: bitrate ? Number(bitrate[1]) : undefined,
    streams,
  };
}
