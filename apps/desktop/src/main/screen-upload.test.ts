import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { screenUploadPath, type ScreenUploadProgress } from '@vox/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScreenSpoolError, ScreenSpoolStore } from './screen-spool.ts';
import { ScreenUploadRefusedError, uploadScreenSpool } from './screen-upload.ts';

interface TusUpload {
  length: number;
  metadata: Record<string, string>;
  body: Buffer[];
  offset: number;
}

/**
 * Just enough of a tus 1.0 server (creation, HEAD, PATCH) to watch what the desktop sends: the
 * backend's real one lives in apps/backend and is tested there.
 */
class TusServerStub {
  readonly uploads = new Map<string, TusUpload>();
  readonly patchedBytes: number[] = [];
  token = 'agent-token';
  /** When set, the last PATCH is refused with 422 and this reason, as the backend does. */
  refuseWith: string | undefined;
  /** How many PATCH requests to answer 503 before accepting any, from the given offset on. */
  failPatchesFrom: { offset: number; times: number } | undefined;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body: Buffer[] = [];
    for await (const part of req) body.push(part as Buffer);
    const answer = (status: number, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Tus-Resumable': '1.0.0', ...headers });
      res.end();
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return answer(401);
    if (req.method === 'POST' && req.url === screenUploadPath) {
      const id = `u${this.uploads.size + 1}`;
      this.uploads.set(id, {
        length: Number(req.headers['upload-length']),
        metadata: decodeMetadata(String(req.headers['upload-metadata'] ?? '')),
        body: [],
        offset: 0,
      });
      return answer(201, { Location: `${screenUploadPath}/${id}` });
    }
    const upload = this.uploads.get(String(req.url).slice(screenUploadPath.length + 1));
    if (!upload) return answer(404);
    if (req.method === 'HEAD') {
      return answer(200, { 'Upload-Offset': String(upload.offset), 'Upload-Length': String(upload.length) });
    }
    if (req.method === 'PATCH') {
      if (Number(req.headers['upload-offset']) !== upload.offset) return answer(409);
      if (this.failPatchesFrom && upload.offset >= this.failPatchesFrom.offset && this.failPatchesFrom.times > 0) {
        this.failPatchesFrom.times -= 1;
        return answer(503);
      }
      const data = Buffer.concat(body);
      this.patchedBytes.push(data.length);
      upload.body.push(data);
      upload.offset += data.length;
      if (this.refuseWith && upload.offset === upload.length) {
        res.writeHead(422, { 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'unusable_upload', message: this.refuseWith } }));
        return;
      }
      return answer(204, { 'Upload-Offset': String(upload.offset) });
    }
    answer(405);
  }
}

function decodeMetadata(header: string): Record<string, string> {
  return Object.fromEntries(
    header
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [key, value] = pair.trim().split(' ');
        return [key, Buffer.from(value ?? '', 'base64').toString('utf8')];
      }),
  );
}

const metadata = {
  connId: '006f02a6d1b9c2e1',
  recordingId: 'rec-7',
  filetype: 'video/webm',
  startedAt: '2026-11-24T10:00:00.000Z',
} as const;

let dir: string;
let store: ScreenSpoolStore;
let tus: TusServerStub;
let backendUrl: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vox-upload-'));
  store = new ScreenSpoolStore(path.join(dir, 'screen-spool'));
  tus = new TusServerStub();
  backendUrl = await tus.start();
});

afterEach(async () => {
  await tus.stop();
  await rm(dir, { recursive: true, force: true });
});

async function spoolWith(chunks: Uint8Array[]): Promise<string> {
  const { spoolId } = await store.open(metadata);
  for (const chunk of chunks) await store.append(spoolId, chunk);
  return spoolId;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('uploadScreenSpool', () => {
  it('uploads the spooled WebM with its metadata and token, then deletes the spool', async () => {
    const chunks = [randomBytes(3 * 1024 * 1024), randomBytes(2 * 1024 * 1024)];
    const spoolId = await spoolWith(chunks);
    const progress: ScreenUploadProgress[] = [];

    await uploadScreenSpool({ store, spoolId, backendUrl, token: 'agent-token', onProgress: (p) => progress.push(p) });

    const [upload] = [...tus.uploads.values()];
    expect(upload?.metadata).toEqual(metadata);
    expect(Buffer.concat(upload?.body ?? []).equals(Buffer.concat(chunks))).toBe(true);
    // Sent in slices, not as one body: the chunk size is what keeps a retry small.
    expect(tus.patchedBytes).toEqual([4 * 1024 * 1024, 1024 * 1024]);
    expect(progress.at(-1)).toEqual({
      spoolId,
      bytesSent: 5 * 1024 * 1024,
      bytesTotal: 5 * 1024 * 1024,
      state: 'done',
    });
    expect(progress.some((p) => p.state === 'uploading')).toBe(true);
    expect(await exists(path.join(store.root, spoolId))).toBe(false);
  });

  it('says a spool recovered after a crash was cut short, so the backend keeps it', async () => {
    const spoolId = await spoolWith([randomBytes(1024)]);
    await new ScreenSpoolStore(store.root).recover(spoolId);
    await uploadScreenSpool({ store, spoolId, backendUrl, token: 'agent-token', onProgress: () => undefined });
    const [upload] = [...tus.uploads.values()];
    expect(upload?.metadata).toEqual({ ...metadata, interrupted: 'crash' });
  });

  it('keeps the spool when the upload fails and resumes it from where the backend stopped', async () => {
    const chunks = [randomBytes(5 * 1024 * 1024)];
    const spoolId = await spoolWith(chunks);
    tus.failPatchesFrom = { offset: 4 * 1024 * 1024, times: 1 };
    const progress: ScreenUploadProgress[] = [];
    const request = {
      store,
      spoolId,
      backendUrl,
      token: 'agent-token',
      onProgress: (p: ScreenUploadProgress) => progress.push(p),
      retryDelays: [],
    };

    await expect(uploadScreenSpool(request)).rejects.toThrow(/screen upload of spool .* failed/);
    expect(progress.at(-1)?.state).toBe('failed');
    expect(await exists(store.videoPath(spoolId))).toBe(true);
    const manifest = await store.manifest(spoolId);
    expect(manifest.state).toBe('closed');
    expect(manifest.uploadUrl).toBe(`${backendUrl}${screenUploadPath}/u1`);

    await uploadScreenSpool(request);
    expect(tus.uploads.size).toBe(1);
    // The second attempt asked for the offset and sent only the last megabyte.
    expect(tus.patchedBytes).toEqual([4 * 1024 * 1024, 1024 * 1024]);
    expect(Buffer.concat(tus.uploads.get('u1')?.body ?? []).equals(chunks[0]!)).toBe(true);
    expect(await exists(path.join(store.root, spoolId))).toBe(false);
  });

  it('reports a refused token and keeps the recording', async () => {
    const spoolId = await spoolWith([randomBytes(1000)]);
    const progress: ScreenUploadProgress[] = [];
    await expect(
      uploadScreenSpool({
        store,
        spoolId,
        backendUrl,
        token: 'expired',
        onProgress: (p) => progress.push(p),
        retryDelays: [],
      }),
    ).rejects.toThrow(/401/);
    expect(progress.at(-1)).toMatchObject({ spoolId, state: 'failed', bytesTotal: 1000 });
    expect(await exists(store.videoPath(spoolId))).toBe(true);
  });

  it('reports the reason when the backend refuses the recording, and keeps the spool without retrying', async () => {
    tus.refuseWith = 'the screen recording was uploaded unencrypted, but encryption at rest is on';
    const spoolId = await spoolWith([randomBytes(1000)]);
    const progress: ScreenUploadProgress[] = [];
    const upload = uploadScreenSpool({
      store,
      spoolId,
      backendUrl,
      token: tus.token,
      onProgress: (p) => progress.push(p),
      retryDelays: [0, 10, 10],
    });
    await expect(upload).rejects.toThrow(ScreenUploadRefusedError);
    expect(progress.at(-1)).toMatchObject({ state: 'failed', message: tus.refuseWith });
    expect(tus.patchedBytes).toHaveLength(1);
    expect(await exists(store.videoPath(spoolId))).toBe(true);
  });

  it('drops a spool that holds no video without sending anything', async () => {
    const spoolId = await spoolWith([]);
    const error = await uploadScreenSpool({
      store,
      spoolId,
      backendUrl,
      token: 'agent-token',
      onProgress: () => undefined,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScreenSpoolError);
    expect((error as ScreenSpoolError).code).toBe('empty_spool');
    expect(tus.uploads.size).toBe(0);
    expect(await exists(path.join(store.root, spoolId))).toBe(false);
  });
});
