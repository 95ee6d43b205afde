import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryStorage } from '../storage/local-directory-storage.ts';
import { ChunkEncryptor, defaultChunkSize } from './media-cipher.ts';
import { MediaVault } from './media-vault.ts';
import { TenantKeystore } from './tenant-keystore.ts';

let dir: string;
let storage: LocalDirectoryStorage;
let keystore: TenantKeystore;
let vault: MediaVault;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-vault-'));
  storage = new LocalDirectoryStorage(path.join(dir, 'media'));
  keystore = await TenantKeystore.open(path.join(dir, 'keys', 'tenant-keys.json'), 'a long passphrase');
  vault = new MediaVault(storage, keystore);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Encrypts `plaintext` the way the backend does and stores it; returns the stored object's path. */
async function stored(plaintext: Buffer, name: string): Promise<string> {
  const source = path.join(dir, `${name}.plain`);
  await fs.writeFile(source, plaintext);
  await vault.encryptFile(source, `${source}.sealed`);
  await storage.putFile(name, `${source}.sealed`);
  return path.join(dir, 'media', name);
}

async function readAll(name: string, range?: { start: number; end: number }): Promise<Buffer> {
  return Buffer.concat(await (await (await vault.open(name)).read(range)).toArray());
}

describe('MediaVault: chunked AES-256-GCM with a data key per file, wrapped by the tenant key', () => {
  it('stores no plaintext, and decrypts the whole file and any byte range, chunk boundaries included', async () => {
    const plaintext = randomBytes(defaultChunkSize * 5 + 1234);
    const file = await stored(plaintext, 'round-trip.bin');
    const raw = await fs.readFile(file);
    expect(raw.subarray(0, 8).toString('ascii')).toBe('VOXENC1\n');
    expect(raw.includes(plaintext.subarray(5000, 5032))).toBe(false);
    const opened = await vault.open('round-trip.bin');
    expect(opened).toMatchObject({ size: plaintext.length, encrypted: true });
    expect(await readAll('round-trip.bin')).toEqual(plaintext);
    const c = defaultChunkSize;
    for (const [start, end] of [
      [0, 0],
      [c - 1, c],
      [c, 2 * c - 1],
      [3 * c - 10, 5 * c + 10],
      [plaintext.length - 1, plaintext.length - 1],
      [12_345, 12_345 + 999],
    ] as const) {
      expect(await readAll('round-trip.bin', { start, end })).toEqual(plaintext.subarray(start, end + 1));
    }
  });

  it('handles a file smaller than one chunk, and an empty one', async () => {
    await stored(Buffer.from('short'), 'short.bin');
    expect((await readAll('short.bin')).toString()).toBe('short');
    await stored(Buffer.alloc(0), 'empty.bin');
    expect(await vault.open('empty.bin')).toMatchObject({ size: 0 });
  });

  it('refuses an altered chunk, a truncated file and swapped chunks, never giving out their bytes', async () => {
    const plaintext = randomBytes(defaultChunkSize * 3 + 10);
    const file = await stored(plaintext, 'tampered.bin');
    const original = await fs.readFile(file);
    const headerEnd = original.length - (plaintext.length + 4 * 16);

    const flipped = Buffer.from(original);
    flipped[headerEnd + defaultChunkSize + 100]! ^= 0x01;
    await fs.writeFile(file, flipped);
    await expect(readAll('tampered.bin', { start: defaultChunkSize, end: defaultChunkSize + 10 })).rejects.toThrow(
      /chunk 1 of the media failed authentication/,
    );

    await fs.writeFile(file, original.subarray(0, original.length - 26));
    await expect(readAll('tampered.bin')).rejects.toThrow(/failed authentication|cut short/);

    const sealed = defaultChunkSize + 16;
    const swapped = Buffer.concat([
      original.subarray(0, headerEnd),
      original.subarray(headerEnd + sealed, headerEnd + 2 * sealed),
      original.subarray(headerEnd, headerEnd + sealed),
      original.subarray(headerEnd + 2 * sealed),
    ]);
    await fs.writeFile(file, swapped);
    await expect(readAll('tampered.bin', { start: 0, end: 10 })).rejects.toThrow(/chunk 0 of the media failed/);
  });

  it('decrypts an upload its writer never closed (a desktop crash) only when told it was cut short', async () => {
    const plaintext = randomBytes(defaultChunkSize * 3 + 500);
    const encryptor = new ChunkEncryptor(keystore.currentKeyId, keystore.currentPublicKey);
    // What the desktop's encryptor leaves when it dies before its closing chunk: whole chunks
    // (none sealed as the last), the 500-byte tail lost with its buffer, and a torn chunk that
    // half reached the disk. The last chunk finish() would seal is the one the crash never wrote.
    const whole = encryptor.push(plaintext);
    const torn = randomBytes(100);
    const upload = path.join(dir, 'cut-upload.webm');
    await fs.writeFile(upload, Buffer.concat([encryptor.header, ...whole, torn]));
    const target = path.join(dir, 'cut-upload.plain');
    await expect(vault.decryptUpload(upload, target)).rejects.toThrow(/failed authentication|cut short/);
    await vault.decryptUpload(upload, target, { cutShort: true });
    expect(await fs.readFile(target)).toEqual(plaintext.subarray(0, defaultChunkSize * 3));
  });

  it('plays media of an older key after a rotation, and says clearly when a key is missing or the passphrase wrong', async () => {
    await stored(Buffer.from('before rotation'), 'old-key.bin');
    const oldKey = keystore.currentKeyId;
    const newKey = await keystore.rotate();
    expect(newKey).not.toBe(oldKey);
    await stored(Buffer.from('after rotation'), 'new-key.bin');
    expect((await readAll('old-key.bin')).toString()).toBe('before rotation');
    expect((await readAll('new-key.bin')).toString()).toBe('after rotation');
    expect(keystore.keys().map((k) => [k.id, k.current])).toEqual([
      [oldKey, false],
      [newKey, true],
    ]);

    const otherTenant = await TenantKeystore.open(path.join(dir, 'other', 'keys.json'), undefined);
    await expect(new MediaVault(storage, otherTenant).open('old-key.bin')).rejects.toThrow(
      new RegExp(`tenant key ${oldKey} is not in the keystore`),
    );
    await expect(
      TenantKeystore.open(path.join(dir, 'keys', 'tenant-keys.json'), 'the wrong passphrase'),
    ).rejects.toThrow(/VOX_KEYSTORE_PASSPHRASE/);
  });

  it('serves objects stored before encryption was on as they are', async () => {
    const source = path.join(dir, 'plain.txt');
    await fs.writeFile(source, 'plain old recording');
    await storage.putFile('plain.txt', source);
    const opened = await vault.open('plain.txt');
    expect(opened.encrypted).toBe(false);
    expect(await text(await opened.read())).toBe('plain old recording');
  });
});

/** Local storage that counts the size look-ups: the vault makes one each time it reads a header. */
class CountingStorage extends LocalDirectoryStorage {
  sizeLookups = 0;

  override async size(objectPath: string): Promise<number> {
    this.sizeLookups++;
    return super.size(objectPath);
  }
}

describe('MediaVault: what it keeps of an object between Range requests', () => {
  async function storedThrough(target: MediaVault, into: LocalDirectoryStorage, plaintext: Buffer, name: string) {
    const source = path.join(dir, `${name}.${plaintext.length}.plain`);
    await fs.writeFile(source, plaintext);
    await target.encryptFile(source, `${source}.sealed`);
    await into.putFile(name, `${source}.sealed`);
  }

  it('reads a header once for many openings, and gives the same bytes in one buffer as streamed', async () => {
    const counting = new CountingStorage(path.join(dir, 'counted'));
    const counted = new MediaVault(counting, keystore);
    const plaintext = randomBytes(defaultChunkSize * 4 + 77);
    await storedThrough(counted, counting, plaintext, 'played.mp3');
    for (const [start, end] of [
      [0, 4095],
      [defaultChunkSize - 10, defaultChunkSize + 10],
      [plaintext.length - 4096, plaintext.length - 1],
    ] as const) {
      const opened = await counted.open('played.mp3');
      expect(await opened.readBytes({ start, end })).toEqual(plaintext.subarray(start, end + 1));
      expect(Buffer.concat(await (await opened.read({ start, end })).toArray())).toEqual(
        plaintext.subarray(start, end + 1),
      );
    }
    expect(counting.sizeLookups).toBe(1);
  });

  it('forgets an object deleted through its storage: a new object at the same path plays', async () => {
    const counting = new CountingStorage(path.join(dir, 'deleted'));
    const counted = new MediaVault(counting, keystore);
    await storedThrough(counted, counting, randomBytes(defaultChunkSize * 2), 'again.mp3');
    await (await counted.open('again.mp3')).readBytes({ start: 0, end: 99 });
    await counted.forgettingDeletes().delete('again.mp3');
    await expect(fs.access(path.join(dir, 'deleted', 'again.mp3'))).rejects.toThrow();

    const next = randomBytes(defaultChunkSize * 3 + 5);
    await storedThrough(counted, counting, next, 'again.mp3');
    const opened = await counted.open('again.mp3');
    expect(opened.size).toBe(next.length);
    expect(await opened.readBytes({ start: 0, end: next.length - 1 })).toEqual(next);
    expect(counting.sizeLookups).toBe(2);
  });

  it('reads an object replaced behind its back afresh once a read of it has failed', async () => {
    const replaced = new MediaVault(new LocalDirectoryStorage(path.join(dir, 'replaced')), keystore);
    const replacedStorage = new LocalDirectoryStorage(path.join(dir, 'replaced'));
    await storedThrough(replaced, replacedStorage, randomBytes(defaultChunkSize * 2), 'restored.mp3');
    await (await replaced.open('restored.mp3')).readBytes({ start: 0, end: 9 });
    // A backup restored over it: another data key, another size.
    const restored = randomBytes(defaultChunkSize + 300);
    await storedThrough(replaced, replacedStorage, restored, 'restored.mp3');
    // The storage keeps its read handle of the old file, and checks about once a second whether
    // the path still names it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect((await replaced.open('restored.mp3')).readBytes({ start: 0, end: 9 })).rejects.toThrow(
      /failed authentication|cut short/,
    );
    const opened = await replaced.open('restored.mp3');
    expect(await opened.readBytes({ start: 0, end: restored.length - 1 })).toEqual(restored);
  });
});
