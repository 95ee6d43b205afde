import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaFile } from '@vox/shared';
import { DecodedAudio } from '../../test-support/decoded-audio.ts';
import { sleep } from '../../test-support/polling.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

describe('a media worker dying mid-call', () => {
  let vox: VoxTestBackend;

  beforeAll(async () => {
    vox = await VoxTestBackend.start();
  });

  afterAll(async () => {
    await vox.stop();
  });

  it('keeps what it wrote as an interrupted media file, and the recording goes on in a further file', async () => {
    let crashedAt = 0;
    let answeredAt = 0;
    const connId = await vox.recordedCall('+15550004444', '7001', async () => {
      answeredAt = Date.now();
      await sleep(6000);
      crashedAt = Date.now();
      // With one call, its capture runs on the first worker (the least loaded, first in line).
      await vox.vox.crashMediaWorker(0);
      await sleep(4000);
    });
    const releasedAt = Date.now();
    const [recording] = await vox.recordingsOf(connId, 2, 30_000);
    const files = recording!.mediaFiles.filter((m) => m.type === 'audio/mp3');
    expect(files).toHaveLength(2);
    const [lost, after] = files as [MediaFile, MediaFile];
    expect(lost.interrupted).toBe('media_failure');
    expect(after.interrupted).toBeUndefined();
    // The first file holds what reached the disk before the worker died (whole 4.1 s chunks at
    // 16 kbit/s); the second starts right after the failure and runs to the release.
    expect(lost.duration).toBeGreaterThan(3000);
    expect(lost.duration).toBeLessThanOrEqual(crashedAt - answeredAt);
    expect(Date.parse(after.startTime) - crashedAt).toBeLessThan(1000);
    expect(Math.abs(after.duration - (releasedAt - Date.parse(after.startTime)))).toBeLessThan(1000);
    for (const file of files) {
      const audio = await DecodedAudio.fromBytes(await vox.media(recording!.id, file.mediaId), 'mp3', 8000, 2);
      expect(Math.abs(audio.durationMs - file.duration)).toBeLessThan(200);
    }
    expect(recording!.eventHistory.map((e) => e.event)).toContain('RecordingStopped');
  }, 60_000);
});
