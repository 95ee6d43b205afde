import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { StorageError, type MediaStorage, type StoredObject } from './media-storage.ts';

interface DavResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** the request: destroyed when the server refused a body it may never read */
  request: http.ClientRequest;
}

/** `507 Insufficient Storage`: the number for programs, the words for the person reading the outbox's error. */
function statusLine(status: number): string {
  const reason = http.STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/** How long one WebDAV request may stay silent before it counts as failed. */
const requestTimeoutMs = 30_000;

/**
 * Media storage on a WebDAV server (GIR stores recordings on WebDAV). A file is PUT under a
 * temporary name, streamed, read back and hashed, and only when size and sha256 match is it
 * MOVEd to its name: a confirmed put means the server has the whole file.
 */
export class WebdavStorage implements MediaStorage {
  private readonly base: URL;
  private readonly authorization: string | undefined;
  /** collections known to exist, so each folder is created once */
  private readonly collections = new Set<string>();

  /** `url`: `http(s)://[user:password@]host[:port]/path` or the same with `webdav+` in front. */
  constructor(url: string) {
    const base = new URL(url.replace(/^webdav\+/, ''));
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new StorageError(`a WebDAV storage URL is http(s):// or webdav+http(s)://, not ${base.protocol}`);
    }
    this.authorization =
      base.username || base.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
        : undefined;
    base.username = '';
    base.password = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
  }

  async putFile(objectPath: string, sourceFile: string): Promise<StoredObject> {
    const { size } = await fs.stat(sourceFile);
    await this.ensureCollections(objectPath);
    const partial = `${objectPath}.partial`;
    const hash = createHash('sha256');
    const source = createReadStream(sourceFile);
    source.on('data', (chunk) => hash.update(chunk));
    const put = await this.request('PUT', partial, { 'Content-Length': String(size) }, source);
    put.body.resume();
    if (put.status !== 201 && put.status !== 204 && put.status !== 200) {
      // A full (507) or failing (5xx) server answers before it has read the file and may never read
      // the rest: stop sending, or each retry would leave the local file open (and its space held).
      put.request.destroy();
      source.destroy();
      throw new StorageError(`WebDAV PUT ${objectPath} answered ${statusLine(put.status)}`);
    }
    const sha256 = hash.digest('hex');
    const stored = await this.hashOf(partial);
    if (stored.size !== size || stored.sha256 !== sha256) {
      await this.request('DELETE', partial).then((r) => r.body.resume());
      throw new StorageError(
        `WebDAV has ${stored.size} bytes (sha256 ${stored.sha256.slice(0, 12)}) of ${objectPath}, not ${size} (${sha256.slice(0, 12)})`,
      );
    }
    const moved = await this.request('MOVE', partial, { Destination: this.url(objectPath).href, Overwrite: 'T' });
    moved.body.resume();
    if (moved.status !== 201 && moved.status !== 204) {
      throw new StorageError(`WebDAV MOVE to ${objectPath} answered ${statusLine(moved.status)}`);
    }
    return { path: objectPath, size, sha256 };
  }

  async read(objectPath: string, range?: { start: number; end: number }): Promise<Readable> {
    const response = await this.request('GET', objectPath, range ? { Range: `bytes=${range.start}-${range.end}` } : {});
    if (response.status === 404) {
      response.body.resume();
      throw new StorageError(`${objectPath} is not in WebDAV storage`);
    }
    if (response.status !== (range ? 206 : 200)) {
      response.body.resume();
      throw new StorageError(`WebDAV GET ${objectPath} answered ${response.status}`);
    }
    return response.body;
  }

  async readBytes(objectPath: string, range: { start: number; end: number }): Promise<Buffer> {
    return Buffer.concat(await (await this.read(objectPath, range)).toArray());
  }

  async size(objectPath: string): Promise<number> {
    const response = await this.request('HEAD', objectPath);
    response.body.resume();
    const length = Number(response.headers['content-length']);
    if (response.status !== 200 || !Number.isFinite(length)) {
      throw new StorageError(`WebDAV HEAD ${objectPath} answered ${response.status}`);
    }
    return length;
  }

  async delete(objectPath: string): Promise<void> {
    const response = await this.request('DELETE', objectPath);
    response.body.resume();
    if (response.status !== 204 && response.status !== 200 && response.status !== 404) {
      throw new StorageError(`WebDAV DELETE ${objectPath} answered ${response.status}`);
    }
  }

  /** PROPFIND of the storage root alone (Depth 0): the server answers and these credentials are accepted. */
  async probe(timeoutMs: number): Promise<void> {
    const response = await this.request('PROPFIND', '', { Depth: '0' }, undefined, timeoutMs).catch(
      (error: unknown) => {
        const cause = error instanceof Error ? error.message.replace(/^WebDAV PROPFIND : /, '') : String(error);
        throw new StorageError(`the WebDAV storage does not answer: ${cause}`);
      },
    );
    response.body.resume();
    if (response.status !== 207 && response.status !== 200) {
      throw new StorageError(`WebDAV PROPFIND of the storage root answered ${response.status}`);
    }
  }

  /** Reads the object back as the server has it: its size and sha256. */
  private async hashOf(objectPath: string): Promise<{ size: number; sha256: string }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await this.read(objectPath)) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
    }
    return { size, sha256: hash.digest('hex') };
  }

  private async ensureCollections(objectPath: string): Promise<void> {
    const folders = objectPath.split('/').slice(0, -1);
    let current = '';
    for (const folder of folders) {
      current += `${folder}/`;
      if (this.collections.has(current)) continue;
      const response = await this.request('MKCOL', current);
      response.body.resume();
      // 405: it exists already.
      if (response.status !== 201 && response.status !== 405) {
        throw new StorageError(`WebDAV MKCOL ${current} answered ${statusLine(response.status)}`);
      }
      this.collections.add(current);
    }
  }

  private url(objectPath: string): URL {
    if (objectPath.split('/').some((segment) => segment === '..' || segment === '.')) {
      throw new StorageError(`object path escapes the storage root: ${objectPath}`);
    }
    return new URL(objectPath.split('/').map(encodeURIComponent).join('/'), this.base);
  }

  private request(
    method: string,
    objectPath: string,
    headers: Record<string, string> = {},
    body?: Readable,
    timeoutMs = requestTimeoutMs,
  ): Promise<DavResponse> {
    const url = this.url(objectPath);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        {
          method,
          headers: { ...headers, ...(this.authorization ? { Authorization: this.authorization } : {}) },
          timeout: timeoutMs,
        },
        (response) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response, request }),
      );
      request.on('timeout', () => request.destroy(new StorageError(`WebDAV ${method} ${objectPath} timed out`)));
      request.on('error', (error) => {
        // A connection that broke mid-upload no longer reads the file: close it.
        body?.destroy();
        reject(
          error instanceof StorageError ? error : new StorageError(`WebDAV ${method} ${objectPath}: ${error.message}`),
        );
      });
      if (body) {
        body.on('error', (error) => request.destroy(error));
        body.pipe(request);
      } else request.end();
    });
  }
}
