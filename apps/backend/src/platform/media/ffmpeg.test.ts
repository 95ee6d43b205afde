import { describe, expect, it } from 'vitest';
import { FfmpegError, runFfmpeg } from './ffmpeg.ts';

describe('runFfmpeg', () => {
  it('stops an ffmpeg that runs past its time limit, and says so', async () => {
    const started = Date.now();
    // A minute of generated audio, encoded at the speed it plays: far past the limit.
    const run = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '60', '-f', 'null', '-'], {
      timeoutMs: 500,
    });
    await expect(run).rejects.toThrow(FfmpegError);
    await expect(run).rejects.toThrow(/ran past its limit of 500 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('finishes a run within its limit', async () => {
    await expect(
      runFfmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '0.2', '-f', 'null', '-'], {
        timeoutMs: 10_000,
      }),
    ).resolves.toMatchObject({ stderr: expect.any(String) });
  });
});
