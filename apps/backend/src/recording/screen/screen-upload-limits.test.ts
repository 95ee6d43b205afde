import fs from 'node:fs/promises';
import path from 'node:path';
import { apiErrorSchema, screenUploadPath } from '@vox/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

/** One login must not be able to fill the server's disk with uploads it never finishes. */
let vox: VoxTestBackend;
let connId: string;

beforeAll(async () => {
  // Unfinished uploads expire after about two seconds here.
  vox = await VoxTestBackend.start({ VOX_UPLOAD_EXPIRY_HOURS: '0.0006' });
  const admin = await vox.client('admin');
  const created = await admin.call('createCall', {
    body: { ani: '5550501', dnis: '800', targetDn: '7001', record: 'destination' },
  });
  connId = created.connId;
  await vox.callAction(connId, 'answer', { dn: '7001' });
  await vox.callAction(connId, 'release', { dn: '7001' });
});

afterAll(async () => {
  await vox?.stop();
});

async function openUpload(length: number): Promise<Response> {
  const metadata = { connId, filetype: 'video/webm', startedAt: new Date().toISOString() };
  return fetch(`${vox.url}${screenUploadPath}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${await vox.token('agent1')}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(length),
      'Upload-Metadata': Object.entries(metadata)
        .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
        .join(','),
    },
  });
}

describe('unfinished screen uploads', () => {
  it('are limited per user: a fifth at once is refused with 429, and expired ones are deleted and free the quota', async () => {
    const opened = [];
    for (let i = 0; i < 4; i++) {
      const answer = await openUpload(1000);
      expect(answer.status).toBe(201);
      opened.push(answer.headers.get('location')!);
    }
    const fifth = await openUpload(1000);
    expect(fifth.status).toBe(429);
    expect(apiErrorSchema.parse(await fifth.json()).error.code).toBe('upload_limit');

    // Half of one is sent, then nothing: after the expiry it is gone from the disk and the server.
    const uploadId = opened[0]!.split('/').at(-1)!;
    const file = path.join(vox.dataDir, 'screen-uploads', uploadId);
    const patched = await fetch(new URL(opened[0]!, vox.url), {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${await vox.token('agent1')}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: Buffer.alloc(500),
    });
    expect(patched.status).toBe(204);
    await expect(fs.stat(file)).resolves.toBeDefined();
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      gone = await fs.stat(file).then(
        () => false,
        () => true,
      );
    }
    expect(gone).toBe(true);
    const head = await fetch(new URL(opened[0]!, vox.url), {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${await vox.token('agent1')}`, 'Tus-Resumable': '1.0.0' },
    });
    expect([404, 410]).toContain(head.status);
    // All four expired: the quota is free again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await openUpload(1000)).status).toBe(201);
  });

  it('may not be larger than 4 GiB (an 8-hour shift at 1 Mbit/s is 3.6 GB)', async () => {
    expect((await openUpload(9 * 1024 ** 3)).status).toBe(413);
  });
});
