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
