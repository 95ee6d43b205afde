import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { LocalDirectoryStorage } from '../storage/local-directory-storage.ts';
import type { MediaStorage } from '../storage/media-storage.ts';
import { ChunkDecryptor, ChunkEncryptor, decodeHeader, mediaCipherMagic } from './media-cipher.ts';
import type { TenantKeystore } from './tenant-keystore.ts';

/** A stored media object as a player sees it: its plaintext size, and any byte range of it. */
export interface OpenedMedia {
  size: number;
  encrypted: boolean;
  /** bytes [start, end], both inclusive */
  read(range?: { start: number; end: number }): Promise<Readable>;
}

/** Enough to hold the magic, the header length and any header this code writes. */
const headerProbeBytes = 4096;

/**
 * The Recording Crypto Server's job: media is encrypted before it leaves the process that made
 * it, and decrypted on the fly, range by range, when it is played. Objects stored before
 * encryption was on (no header) are served as they are.
 */
export class MediaVault {
  constructor(
    private readonly storage: MediaStorage,
    /** undefined: encryption off, new media is stored as it is */
    private readonly keystore: TenantKeystore | undefined,
  ) {}

  /** The key new media is encrypted with, for the media engine's workers. */
  get encryptionKey(): { keyId: string; publicKey: string } | undefined {
    return this.keystore ? { keyId: this.keystore.currentKeyId, publicKey: this.keystore.currentPublicKey } : undefined;
  }

  /** Encrypts a whole file made in this process (a muxed screen recording, a thumbnail). */
  async encryptFile(source: string, target: string): Promise<void> {
    const key = this.encryptionKey;
    if (!key) {
      await fs.copyFile(source, target);
      return;
    }
    const encryptor = new ChunkEncryptor(key.keyId, key.publicKey);
    const out = await fs.open(target, 'w');
    try {
      await out.write(encryptor.header);
      for await (const piece of createReadStream(source)) {
        for (const sealed of encryptor.push(piece as Buffer)) await out.write(sealed);
      }
      const { last, first } = encryptor.finish();
      await out.write(last);
      if (first) await out.write(first, 0, first.length, encryptor.firstChunkOffset);
      await out.sync();
    } finally {
      await out.close();
    }
  }

  async open(objectPath: string, options: { cutShort?: boolean } = {}): Promise<OpenedMedia> {
    const fileSize = await this.storage.size(objectPath);
    const probe =
      fileSize === 0
        ? Buffer.alloc(0)
        : Buffer.concat(
            await (
              await this.storage.read(objectPath, { start: 0, end: Math.min(fileSize, headerProbeBytes) - 1 })
            ).toArray(),
          );
    if (!probe.subarray(0, mediaCipherMagic.length).equals(mediaCipherMagic)) {
      return {
        size: fileSize,
        encrypted: false,
        read: (range) => this.storage.read(objectPath, range),
      };
    }
    if (!this.keystore) throw new Error(`${objectPath} is encrypted but this backend has no keystore`);
    const { header, headerBytes } = decodeHeader(probe);
    const key = this.keystore.unwrap(header.keyId, Buffer.from(header.wrappedKey, 'base64'));
    const decryptor = new ChunkDecryptor(header, headerBytes, key, fileSize, options.cutShort);
    const size = decryptor.plaintextSize;
    return {
      size,
      encrypted: true,
      read: async (range) => {
        const start = range?.start ?? 0;
        const end = range?.end ?? size - 1;
        const { first, last } = decryptor.chunksFor(start, end);
        const span = decryptor.span(first, last);
        const sealed = await this.storage.read(objectPath, span);
        const plaintext = decryptRange(sealed, decryptor, header.chunkSize, first, last, start, end);
        // The first chunk is checked before anything is sent, so an altered file is refused with
        // an error response rather than cut off mid-stream.
        const head = await plaintext.next();
        return Readable.from(
          (async function* () {
            if (!head.done) yield head.value;
            yield* plaintext;
          })(),
        );
      },
    };
  }

  /**
   * Writes the plaintext of an uploaded file (a screen recording, which the desktop encrypts) to
   * `target`. With encryption on, a plaintext upload is refused: it should never have been sent.
   */
  async decryptUpload(source: string, target: string, options: { cutShort?: boolean } = {}): Promise<void> {
    const local = new MediaVault(new LocalDirectoryStorage(path.dirname(source)), this.keystore);
    const media = await local.open(path.basename(source), options);
    if (this.keystore && !media.encrypted) {
      throw new Error('the screen recording was uploaded unencrypted, but encryption at rest is on');
    }
    await pipeline(await media.read(), createWriteStream(target));
  }

  /**
   * The first `bytes` of an uploaded file's plaintext, checking on the way what can be checked
   * before the whole file is read: encrypted while encryption is on, a header Vox writes, a key
   * of this tenant, and a first chunk that authenticates. Throws a sentence the uploader can read.
   */
  async uploadedHead(source: string, bytes: number, options: { cutShort?: boolean } = {}): Promise<Buffer> {
    const local = new MediaVault(new LocalDirectoryStorage(path.dirname(source)), this.keystore);
    const media = await local.open(path.basename(source), options);
    if (this.keystore && !media.encrypted) {
      throw new Error('the screen recording was uploaded unencrypted, but encryption at rest is on');
    }
    if (media.size === 0) return Buffer.alloc(0);
    const head = await media.read({ start: 0, end: Math.min(bytes, media.size) - 1 });
    return Buffer.concat(await head.toArray());
  }

  /** Copies a stored object's plaintext to a local file (the screen muxer reads the voice this way). */
  async copyToFile(objectPath: string, target: string): Promise<void> {
    const media = await this.open(objectPath);
    await pipeline(await media.read(), createWriteStream(target));
  }
}

/** Decrypts the sealed chunks [first, last] as they stream in and yields plaintext [start, end]. */
async function* decryptRange(
  sealed: Readable,
  decryptor: ChunkDecryptor,
  chunkSize: number,
  first: number,
  last: number,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  let index = first;
  let pending: Buffer = Buffer.alloc(0);
  const sealedSize = (i: number) => {
    const span = decryptor.span(i, i);
    return span.end - span.start + 1;
  };
  const emit = (chunk: Buffer, i: number) => {
    const plain = decryptor.open(chunk, i);
    const chunkStart = i * chunkSize;
    return plain.subarray(Math.max(0, start - chunkStart), Math.min(plain.length, end - chunkStart + 1));
  };
  for await (const piece of sealed) {
    pending = pending.length === 0 ? (piece as Buffer) : Buffer.concat([pending, piece as Buffer]);
    while (index <= last && pending.length >= sealedSize(index)) {
      const size = sealedSize(index);
      yield emit(pending.subarray(0, size), index);
      pending = pending.subarray(size);
      index++;
    }
  }
  if (index <= last) throw new Error(`the encrypted media ended before chunk ${index}: the file is cut short`);
}
