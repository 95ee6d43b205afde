import { describe, expect, it } from 'vitest';
import { desktopInvokeChannels, screenUploadProgressChannel } from './desktop-ipc-channels.ts';
import { desktopInvokeArgsSchemas, maxScreenChunkBytes, screenUploadProgressSchema } from './desktop-ipc.ts';

const spoolId = '0b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f';
const metadata = { connId: '006f02a6d1b9c2e1', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.000Z' };

describe('desktop IPC channels', () => {
  it('gives every channel its own name', () => {
    const names = [...Object.values(desktopInvokeChannels), screenUploadProgressChannel];
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('desktopInvokeArgsSchemas', () => {
  it('accepts the arguments the DesktopApi methods take', () => {
    expect(desktopInvokeArgsSchemas.getSettings.safeParse([]).success).toBe(true);
    expect(desktopInvokeArgsSchemas.openScreenSpool.safeParse([metadata]).success).toBe(true);
    expect(desktopInvokeArgsSchemas.appendScreenChunk.safeParse([spoolId, new Uint8Array([1, 2])]).success).toBe(true);
    expect(desktopInvokeArgsSchemas.uploadScreenSpool.safeParse([spoolId, 'token']).success).toBe(true);
    expect(desktopInvokeArgsSchemas.uploadPendingScreenSpools.safeParse(['token']).success).toBe(true);
    expect(desktopInvokeArgsSchemas.listPendingScreenUploads.safeParse([]).success).toBe(true);
    expect(desktopInvokeArgsSchemas.reportStatus.safeParse(['paused']).success).toBe(true);
  });

  it.each([
    ['a spool id that is a path', 'appendScreenChunk', ['../../etc', new Uint8Array([1])]],
    ['an empty chunk', 'appendScreenChunk', [spoolId, new Uint8Array()]],
    ['a chunk that is a plain array', 'appendScreenChunk', [spoolId, [1, 2, 3]]],
    ['an extra argument', 'uploadScreenSpool', [spoolId, 'token', 'more']],
    ['an empty token', 'uploadScreenSpool', [spoolId, '']],
    ['metadata of another file type', 'openScreenSpool', [{ ...metadata, filetype: 'video/mp4' }]],
    ['arguments to a method that takes none', 'getSettings', [1]],
    ['a status the tray does not know', 'reportStatus', ['busy']],
    ['pending uploads without a token', 'uploadPendingScreenSpools', []],
  ] as const)('refuses %s', (_what, method, args) => {
    expect(desktopInvokeArgsSchemas[method].safeParse(args).success).toBe(false);
  });

  it('refuses a chunk over the cap', () => {
    const chunk = new Uint8Array(maxScreenChunkBytes + 1);
    expect(desktopInvokeArgsSchemas.appendScreenChunk.safeParse([spoolId, chunk]).success).toBe(false);
  });
});

describe('screenUploadProgressSchema', () => {
  it('needs a known state', () => {
    const progress = { spoolId, bytesSent: 10, bytesTotal: 20, state: 'uploading' };
    expect(screenUploadProgressSchema.safeParse(progress).success).toBe(true);
    expect(screenUploadProgressSchema.safeParse({ ...progress, state: 'paused' }).success).toBe(false);
  });
});
