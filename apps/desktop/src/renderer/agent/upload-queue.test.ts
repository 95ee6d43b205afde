import { describe, expect, it } from 'vitest';
import { applyUploadProgress, pendingToUploadItem, uploadPercent, type UploadItem } from './upload-queue.ts';

const spoolId = '0b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f';
const waiting: UploadItem = pendingToUploadItem(
  { spoolId, connId: '006f02a6d1b9c2e1', bytes: 1000, state: 'waiting', interrupted: 'crash' },
  undefined,
);

describe('the upload queue', () => {
  it('lists a spool left on disk as waiting, with its size', () => {
    expect(waiting).toMatchObject({ state: 'waiting', bytesSent: 0, bytesTotal: 1000, interrupted: 'crash' });
    expect(uploadPercent(waiting)).toBe(0);
  });

  it('shows progress, keeps what went up when an attempt fails, and marks the end', () => {
    let queue = applyUploadProgress([waiting], { spoolId, bytesSent: 400, bytesTotal: 1000, state: 'uploading' });
    expect(uploadPercent(queue[0] as UploadItem)).toBe(40);
    queue = applyUploadProgress(queue, {
      spoolId,
      bytesSent: 0,
      bytesTotal: 1000,
      state: 'failed',
      message: 'offline',
    });
    expect(queue[0]).toMatchObject({ state: 'failed', bytesSent: 400, message: 'offline', connId: '006f02a6d1b9c2e1' });
    queue = applyUploadProgress(queue, { spoolId, bytesSent: 1000, bytesTotal: 1000, state: 'done' });
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ state: 'done', message: undefined });
  });

  it('adds a spool it hears of first through progress', () => {
    const other = '1b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f';
    const queue = applyUploadProgress([waiting], { spoolId: other, bytesSent: 1, bytesTotal: 2, state: 'uploading' });
    expect(queue.map((u) => u.spoolId)).toEqual([spoolId, other]);
  });

  it('keeps the progress of an upload under way when the pending list is read again', () => {
    const uploading = applyUploadProgress([waiting], { spoolId, bytesSent: 700, bytesTotal: 1000, state: 'uploading' });
    const again = pendingToUploadItem(
      { spoolId, connId: '006f02a6d1b9c2e1', bytes: 1000, state: 'waiting' },
      uploading[0],
    );
    expect(again).toMatchObject({ state: 'uploading', bytesSent: 700 });
  });
});
