import { execFile } from 'node:child_process';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

export interface ProbedMedia {
  durationMs: number | undefined;
  video: string[];
  audio: string[];
}

/** What ffmpeg says of a file: its duration and its streams (the static ffmpeg has no ffprobe). */
export function probe(file: string): Promise<ProbedMedia> {
  return new Promise((resolve) => {
    execFile(ffmpegInstaller.path, ['-hide_banner', '-i', file], (_error, _stdout, stderr) => {
      const duration = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
      const streams = [...stderr.matchAll(/Stream #\d+:\d+[^:]*: (Audio|Video): ([^\n]*)/g)];
      resolve({
        durationMs: duration
          ? Math.round((Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000)
          : undefined,
        video: streams.filter((s) => s[1] === 'Video').map((s) => s[2] ?? ''),
        audio: streams.filter((s) => s[1] === 'Audio').map((s) => s[2] ?? ''),
      });
    });
  });
}

export interface VideoTimeline {
  /** seconds on the file's timeline of the first and the last video frame */
  firstFrame: number;
  lastFrame: number;
  /** stretches of at least 1 s where the picture is black, in seconds */
  black: Array<{ start: number; end: number }>;
}

/** Decodes the video stream and reads where its frames lie and where the picture is black. */
export function videoTimeline(file: string): Promise<VideoTimeline> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegInstaller.path,
      ['-hide_banner', '-i', file, '-map', '0:v:0', '-vf', 'blackdetect=d=1:pix_th=0.1,showinfo', '-f', 'null', '-'],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`ffmpeg could not decode ${file}: ${stderr.slice(-500)}`));
        const frames = [...stderr.matchAll(/\bpts_time:\s*(-?\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
        const black = [...stderr.matchAll(/black_start:\s*(\d+(?:\.\d+)?)\s+black_end:\s*(\d+(?:\.\d+)?)/g)].map(
          (m) => ({ start: Number(m[1]), end: Number(m[2]) }),
        );
        if (frames.length === 0) return reject(new Error(`${file} has no video frames`));
        resolve({ firstFrame: Math.min(...frames), lastFrame: Math.max(...frames), black });
      },
    );
  });
}
