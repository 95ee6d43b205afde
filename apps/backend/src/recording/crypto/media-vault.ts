import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { LocalDirectoryStorage } from '../storage/local-directory-storage.ts';
import type { MediaStorage } from '../storage/media-storage.ts';
import { ExpiringCache } from './expiring-cache.ts';
import {
  ChunkDecryptor,
  ChunkEncryptor,
  decodeHeader,
  mediaCipherMagic,
  type MediaCipherHeader,
  MediaCipherError,
} from './media-cipher.ts';
import type { TenantKeystore } from './tenant-keystore.ts';

/** A stored media object as a player sees it: its plaintext size, and any byte range of it. */
export interface OpenedMedia {
  size: number;
  encrypted: boolean;
  /** bytes [start, end], both inclusive */
  read(range?: { start: number; end: number }): Promise<Readable>;
  /**
   * bytes [start, end] in one buffer, checked whole before it is returned: for the small ranges a
   * player asks for, sent in one write rather than streamed
   */
  readBytes(range: { start: number; end: number }): Promise<Buffer>;
}

/** Enough to hold the magic, the header length and any header this code writes. */
const headerProbeBytes = 4096;

/** Objects whose header is kept: a few hundred players at once, each header a few hundred bytes. */
export const probedObjectLimits = { maxEntries: 1024, ttlMs: 10 * 60_000 };

/** What the first bytes of a stored object say: its cipher header, if it has one. */
type ProbedObject =
  { fileSize: number; header: undefined } | { fileSize: number; header: MediaCipherHeader; headerBytes: number };

async function probeObject(storage: MediaStorage, objectPath: string): Promise<ProbedObject> {
  const fileSize = await storage.size(objectPath);
  const probe =
    fileSize === 0
      ? Buffer.alloc(0)
      : Buffer.concat(
          await (await storage.read(objectPath, { start: 0, end: Math.min(fileSize, headerProbeBytes) - 1 })).toArray(),
        );
  if (!probe.subarray(0, mediaCipherMagic.length).equals(mediaCipherMagic)) return { fileSize, header: undefined };
  return { fileSize, ...decodeHeader(probe) };
}

/**
 * The Recording Crypto Server's job: media is encrypted before it leaves the process that made
 * it, and decrypted on the fly, range by range, when it is played. Objects stored before
 * encryption was on (no header) are served as they are.
 */
export class MediaVault {
  private readonly probes = new ExpiringCache<string, Promise<ProbedObject>>(probedObjectLimits);

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
      await out.write(encryptor.finish());
      await out.sync();
    } finally {
      await out.close();
    }
  }

  async open(objectPath: string, options: { cutShort?: boolean } = {}): Promise<OpenedMedia> {
    const probing = this.probe(objectPath);
    const probed = await probing;
    // A read that fails (the object gone, or not the one probed) drops what was kept of it: the
    // next opening reads the object afresh instead of failing the same way for minutes.
    const forgetOnFailure = (error: unknown): never => {
      if (this.probes.get(objectPath) === probing) this.probes.delete(objectPath);
      throw error;
    };
    if (!probed.header) {
      return {
        size: probed.fileSize,
        encrypted: false,
        read: (range) => this.storage.read(objectPath, range).catch(forgetOnFailure),
        readBytes: (range) => this.storage.readBytes(objectPath, range).catch(forgetOnFailure),
      };
    }
    const { header, headerBytes, fileSize } = probed;
    let decryptor: ChunkDecryptor;
    try {
      if (!this.keystore) throw new Error(`${objectPath} is encrypted but this backend has no keystore`);
      // An unknown key or a wrapped key that does not open may be an object replaced since (a
      // backup restored): the next opening reads it again.
      const key = this.keystore.unwrap(header.keyId, Buffer.from(header.wrappedKey, 'base64'));
      decryptor = new ChunkDecryptor(header, headerBytes, key, fileSize, options.cutShort);
    } catch (error) {
      return forgetOnFailure(error);
    }
    const size = decryptor.plaintextSize;
    const decrypting = async (start: number, end: number) => {
      const { first, last } = decryptor.chunksFor(start, end);
      const sealed = await this.storage.read(objectPath, decryptor.span(first, last)).catch(forgetOnFailure);
      return decryptRange(sealed, decryptor, first, last, start, end);
    };
    return {
      size,
      encrypted: true,
      readBytes: async ({ start, end }) => {
        const { first, last } = decryptor.chunksFor(start, end);
        const span = decryptor.span(first, last);
        try {
          const sealed = await this.storage.readBytes(objectPath, span);
          if (sealed.length < span.end - span.start + 1) {
            throw new MediaCipherError(`the encrypted media ended before chunk ${last}: the file is cut short`);
          }
          return decryptChunks(sealed, decryptor, first, last, start, end);
        } catch (error) {
          return forgetOnFailure(error);
        }
      },
      read: async (range) => {
        const plaintext = await decrypting(range?.start ?? 0, range?.end ?? size - 1);
        // The first chunk is checked before anything is sent, so an altered file is refused with
        // an error response rather than cut off mid-stream.
        const head = await plaintext.next().catch(forgetOnFailure);
        return Readable.from(
          (async function* () {
            if (!head.done) yield head.value;
            try {
              yield* plaintext;
            } catch (error) {
              forgetOnFailure(error);
            }
          })(),
        );
      },
    };
  }

  /**
   * The object's size and cipher header, read once and kept a while: a player's every Range
   * request would otherwise cost a stat and a read of the header (two round trips on WebDAV).
   * Stored objects are written once under a path of their own, and what is kept is no secret
   * (the data key in it is wrapped). Concurrent first reads share one probe.
   */
  private probe(objectPath: string): Promise<ProbedObject> {
    const known = this.probes.get(objectPath);
    if (known) return known;
    const probing = probeObject(this.storage, objectPath);
    this.probes.set(objectPath, probing);
    probing.catch(() => {
      if (this.probes.get(objectPath) === probing) this.probes.delete(objectPath);
    });
    return probing;
  }

  /** Drops what was kept of an object: it was deleted, and the path may hold another one later. */
  forget(objectPath: string): void {
    this.probes.delete(objectPath);
  }

  /**
   * This vault's storage as whoever deletes recordings should use it: deleting an object also
   * forgets what the vault kept of it, so an object stored later at the same path is read afresh.
   */
  forgettingDeletes(): MediaStorage {
    return new Proxy(this.storage, {
      get: (storage, property) => {
        if (property === 'delete') {
          return async (objectPath: string) => {
            try {
              await storage.delete(objectPath);
            } finally {
              this.forget(objectPath);
            }
          };
        }
        const value: unknown = Reflect.get(storage, property);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(storage) : value;
      },
    });
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

/** Decrypts the sealed chunks [first, last], read whole, to plaintext [start, end]. */
function decryptChunks(
  sealed: Buffer,
  decryptor: ChunkDecryptor,
  first: number,
  last: number,
  start: number,
  end: number,
): Buffer {
  const pieces: Buffer[] = [];
  let offset = 0;
  for (let index = first; index <= last; index++) {
    const size = decryptor.sealedSize(index);
    pieces.push(decryptor.openWithin(sealed.subarray(offset, offset + size), index, start, end));
    offset += size;
  }
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

/** Decrypts the sealed chunks [first, last] as they stream in and yields plaintext [start, end]. */
async function* decryptRange(
  sealed: Readable,
  decryptor: ChunkDecryptor,
  first: number,
  last: number,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  let index = first;
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of sealed) {
    pending = pending.length === 0 ? (piece as Buffer) : Buffer.concat([pending, piece as Buffer]);
    while (index <= last && pending.length >= decryptor.sealedSize(index)) {
      const size = decryptor.sealedSize(index);
      yield decryptor.openWithin(pending.subarray(0, size), index, start, end);
      pending = pending.subarray(size);
      index++;
    }
  }
  if (index <= last) throw new Error(`the encrypted media ended before chunk ${index}: the file is cut short`);
}
