import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScreenUploadMetadata } from '@vox/shared';
import { pendingScreenUploadOf } from '@vox/shared';
import { BrowserScreenSpool } from './browser-screen-spool.ts';

const metadata: ScreenUploadMetadata = {
  connId: '006f02a6d1b9c2e1',
  recordingId: 'rec-1',
  filetype: 'video/webm',
  startedAt: '2026-11-30T10:00:00.000Z',
};

let spool: BrowserScreenSpool;

beforeEach(async () => {
  spool = await BrowserScreenSpool.open();
});

afterEach(async () => {
  for (const manifest of await spool.list()) await spool.remove(manifest.spoolId);
  spool.close();
});

async function bytesOf(blob: Blob): Promise<number[]> {
  return [...new Uint8Array(await blob.arrayBuffer())];
}

describe('BrowserScreenSpool', () => {
  it('keeps chunks in order and counts them, even when appends overlap', async () => {
    const { spoolId } = await spool.create(metadata);
    await Promise.all([
      spool.append(spoolId, new Uint8Array([1, 2])),
      spool.append(spoolId, new Uint8Array([3])),
      spool.append(spoolId, new Uint8Array([4, 5, 6])),
    ]);
    expect(await bytesOf(await spool.file(spoolId))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await spool.manifest(spoolId)).toMatchObject({ chunks: 3, bytes: 6, state: 'recording' });
  });

  it('is still there for the next page: a reload or a crash loses nothing appended', async () => {
    const { spoolId } = await spool.create(metadata);
    await spool.append(spoolId, new Uint8Array([7]));
    const nextPage = await BrowserScreenSpool.open();
    expect((await nextPage.list()).map((m) => m.spoolId)).toEqual([spoolId]);
    expect(await bytesOf(await nextPage.file(spoolId))).toEqual([7]);
    nextPage.close();
  });

  it('refuses chunks once closed, and keeps the upload URL and the interruption', async () => {
    const { spoolId } = await spool.create(metadata);
    await spool.update(spoolId, {
      state: 'closed',
      uploadUrl: 'http://127.0.0.1:8080/api/v2/screen-recordings/uploads/abc',
      metadata: { ...metadata, interrupted: 'crash' },
    });
    await expect(spool.append(spoolId, new Uint8Array([1]))).rejects.toThrow(/is closed/);
    const manifest = await spool.manifest(spoolId);
    expect(manifest.uploadUrl).toBe('http://127.0.0.1:8080/api/v2/screen-recordings/uploads/abc');
    expect(pendingScreenUploadOf(manifest, false)).toEqual({
      spoolId,
      connId: metadata.connId,
      bytes: 0,
      state: 'waiting',
      interrupted: 'crash',
    });
  });

  it('removes a spool with all its chunks, leaving the others', async () => {
    const first = await spool.create(metadata);
    const second = await spool.create({ ...metadata, connId: '006f02a6d1b9c2e2' });
    await spool.append(first.spoolId, new Uint8Array([1]));
    await spool.append(second.spoolId, new Uint8Array([2]));
    await spool.remove(first.spoolId);
    expect((await spool.list()).map((m) => m.spoolId)).toEqual([second.spoolId]);
    expect((await spool.file(first.spoolId)).size).toBe(0);
    expect(await bytesOf(await spool.file(second.spoolId))).toEqual([2]);
  });

  it('refuses a spool it does not have', async () => {
    await expect(spool.append('0b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f', new Uint8Array([1]))).rejects.toThrow(
      /no screen spool/,
    );
  });
});
