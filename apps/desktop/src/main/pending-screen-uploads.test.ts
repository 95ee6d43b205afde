import type { ScreenUploadProgress } from '@vox/shared';
import { describe, expect, it } from 'vitest';
import { PendingScreenUploads, type UploadWithToken } from './pending-screen-uploads.ts';
import { ScreenSpoolError } from './screen-spool.ts';
import { ScreenUploadRefusedError } from './screen-upload.ts';

/** An upload that records its calls and fails for the spools listed in `failing`. */
function recordingUpload(failing: Set<string>) {
  const calls: { spoolId: string; token: string }[] = [];
  const upload: UploadWithToken = (spoolId, token, report) => {
    calls.push({ spoolId, token });
    if (failing.has(spoolId)) return Promise.reject(new Error(`backend down for ${spoolId}`));
    report({ spoolId, bytesSent: 1, bytesTotal: 1, state: 'done' });
    return Promise.resolve();
  };
  return { calls, upload };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PendingScreenUploads', () => {
  it('sends the spools an earlier run left after the next upload succeeds, with its token', async () => {
    const { calls, upload } = recordingUpload(new Set());
    const pending = new PendingScreenUploads(upload);
    pending.add('left-1');
    pending.add('left-2');
    const reports: ScreenUploadProgress[] = [];

    await pending.uploadNow('current', 'token-a', (p) => reports.push(p));
    await settle();

    expect(calls).toEqual([
      { spoolId: 'current', token: 'token-a' },
      { spoolId: 'left-1', token: 'token-a' },
      { spoolId: 'left-2', token: 'token-a' },
    ]);
    expect(reports.map((r) => r.spoolId)).toEqual(['current', 'left-1', 'left-2']);
    expect(pending.spoolIds).toEqual([]);
  });

  it('keeps a failed upload waiting and does not retry others while the backend fails', async () => {
    const failing = new Set(['current']);
    const { calls, upload } = recordingUpload(failing);
    const pending = new PendingScreenUploads(upload);
    pending.add('left-1');

    await expect(pending.uploadNow('current', 'token-a', () => undefined)).rejects.toThrow(/backend down/);
    await settle();
    expect(calls.map((c) => c.spoolId)).toEqual(['current']);
    expect(pending.spoolIds.sort()).toEqual(['current', 'left-1']);

    failing.clear();
    await pending.uploadNow('next', 'token-b', () => undefined);
    await settle();
    expect(calls.map((c) => c.spoolId).sort()).toEqual(['current', 'current', 'left-1', 'next']);
    expect(pending.spoolIds).toEqual([]);
  });

  it('forgets a spool that has nothing left to upload', async () => {
    const pending = new PendingScreenUploads((spoolId) =>
      Promise.reject(new ScreenSpoolError('unknown_spool', `no ${spoolId}`)),
    );
    await expect(pending.uploadNow('gone', 'token', () => undefined)).rejects.toThrow(ScreenSpoolError);
    expect(pending.spoolIds).toEqual([]);
  });

  it('stops retrying a spool the backend keeps refusing in this run', async () => {
    const { calls, upload } = recordingUpload(new Set(['refused']));
    const pending = new PendingScreenUploads(upload);
    pending.add('refused');
    for (let i = 0; i < 5; i++) await pending.retry('token', () => undefined);
    expect(calls.filter((c) => c.spoolId === 'refused')).toHaveLength(3);
    expect(pending.spoolIds).toEqual(['refused']);
  });

  it('never sends a spool twice at once, even when it is listed again while it uploads', async () => {
    let finish: () => void = () => undefined;
    const calls: string[] = [];
    const pending = new PendingScreenUploads((spoolId) => {
      calls.push(spoolId);
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const uploading = pending.uploadNow('spool-a', 'token', () => undefined);
    pending.add('spool-a');
    await pending.retry('token', () => undefined);
    expect(calls).toEqual(['spool-a']);
    finish();
    await uploading;
  });

  it('does not send again a recording the backend refused', async () => {
    const upload: UploadWithToken = (spoolId) =>
      Promise.reject(new ScreenUploadRefusedError(`screen recording refused: ${spoolId} is not a WebM`));
    const pending = new PendingScreenUploads(upload);
    await expect(pending.uploadNow('refused', 'token-a', () => undefined)).rejects.toThrow(/not a WebM/);
    await settle();
    expect(pending.spoolIds).toEqual([]);
  });
});
