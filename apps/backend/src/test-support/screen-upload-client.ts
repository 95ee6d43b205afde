import fs from 'node:fs/promises';
import path from 'node:path';
import { screenUploadPath, type ScreenUploadMetadata } from '@vox/shared';
import { ChunkEncryptor } from '../recording/crypto/media-cipher.ts';
import { runFfmpeg } from '../platform/media/ffmpeg.ts';
import type { VoxTestBackend } from './vox-test-backend.ts';

/** A screen recording as the desktop's MediaRecorder makes it: VP8 WebM of `seconds`. */
export async function recordedScreen(dir: string, seconds: number): Promise<Buffer> {
  const file = path.join(dir, `screen-${seconds}s.webm`);
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10',
    '-t',
    String(seconds),
    '-c:v',
    'libvpx',
    '-y',
    file,
  ]);
  return fs.readFile(file);
}

/**
 * Uploads a screen recording the way the desktop does: encrypted with the tenant key the backend
 * hands out, then sent with tus (create, then one PATCH). `cutShort` leaves out the closing chunk,
 * as a desktop that crashed mid-recording does. Returns the two answers' statuses.
 */
export async function uploadScreen(
  backend: VoxTestBackend,
  agent: string,
  webm: Buffer,
  metadata: Omit<ScreenUploadMetadata, 'filetype'>,
  options: {
    cutShort?: boolean;
    /** sent as it is, unencrypted, as a desktop that skipped encryption would */
    plaintext?: boolean;
    /** a chunk size other than the desktop's, as a crafted upload has */ chunkSize?: number;
  } = {},
): Promise<{ created: number; patched: number; refusal?: string; location?: string }> {
  const tenant = await (await backend.client('admin')).call('screenKey');
  const encryptor = new ChunkEncryptor(tenant.keyId, tenant.publicKey, options.chunkSize);
  const sealed = encryptor.push(webm);
  const last = encryptor.finish();
  const body = options.plaintext
    ? webm
    : Buffer.concat([encryptor.header, ...sealed, ...(options.cutShort ? [] : [last])]);
  const token = await backend.token(agent);
  const encoded = Object.entries({ ...metadata, filetype: 'video/webm' })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key} ${Buffer.from(String(value)).toString('base64')}`)
    .join(',');
  const created = await fetch(`${backend.url}${screenUploadPath}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(body.length),
      'Upload-Metadata': encoded,
    },
  });
  if (created.status !== 201) return { created: created.status, patched: 0 };
  const patched = await fetch(new URL(created.headers.get('location')!, backend.url), {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body,
  });
  const location = created.headers.get('location')!;
  if (patched.status >= 400) {
    return { created: created.status, patched: patched.status, refusal: await patched.text(), location };
  }
  return { created: created.status, patched: patched.status };
}
