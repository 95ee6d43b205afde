import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebdavTestServer } from '../../test-support/webdav-test-server.ts';
import { StorageError } from './media-storage.ts';
import { WebdavStorage } from './webdav-storage.ts';

let server: WebdavTestServer;
let url: string;
let dir: string;

beforeAll(async () => {
  server = await WebdavTestServer.start();
  url = server.url;
  dir = server.dir;
});

afterAll(async () => {
  await server?.stop();
});

async function sourceFile(bytes: Buffer): Promise<string> {
  const file = path.join(dir, `source-${randomBytes(4).toString('hex')}.bin`);
  await fs.writeFile(file, bytes);
  return file;
}

describe('WebdavStorage against a real WebDAV server over HTTP', () => {
  it('stores a file in new folders, confirms its size and sha256, and reads it and byte ranges back', async () => {
    const storage = new WebdavStorage(url);
    const bytes = randomBytes(300_000);
    const stored = await storage.putFile('recordings/2026/11/24/call_1.mp3', await sourceFile(bytes));
    expect(stored.size).toBe(bytes.length);
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await fs.readFile(path.join(dir, 'recordings/2026/11/24/call_1.mp3'))).toEqual(bytes);
    await expect(fs.access(path.join(dir, 'recordings/2026/11/24/call_1.mp3.partial'))).rejects.toThrow();
    expect(await storage.size('recordings/2026/11/24/call_1.mp3')).toBe(bytes.length);
    const ranged = Buffer.concat(
      await (await storage.read('recordings/2026/11/24/call_1.mp3', { start: 1000, end: 1999 })).toArray(),
    );
    expect(ranged).toEqual(bytes.subarray(1000, 2000));
  });

  it('overwrites an object stored again (the same metadata posted twice stores one file)', async () => {
    const storage = new WebdavStorage(url);
    await storage.putFile('again/file.txt', await sourceFile(Buffer.from('first')));
    await storage.putFile('again/file.txt', await sourceFile(Buffer.from('second')));
    expect(await text(await storage.read('again/file.txt'))).toBe('second');
  });

  it('fails clearly with wrong credentials, a missing object, an unreachable server or a bad path', async () => {
    const file = await sourceFile(Buffer.from('x'));
    await expect(new WebdavStorage(url.replace('recorder:', 'intruder:')).putFile('a/b.txt', file)).rejects.toThrow(
      /answered 401/,
    );
    await expect(new WebdavStorage(url).read('no/such/file.mp3')).rejects.toThrow(/is not in WebDAV storage/);
    await expect(new WebdavStorage('http://127.0.0.1:9/').putFile('a.txt', file)).rejects.toThrow(StorageError);
    await expect(new WebdavStorage(url).putFile('../escape.txt', file)).rejects.toThrow(/escapes the storage root/);
    expect(() => new WebdavStorage('ftp://example.com/')).toThrow(/http\(s\):\/\//);
  });
});
