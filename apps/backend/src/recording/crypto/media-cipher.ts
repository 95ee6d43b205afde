import fs from 'node:fs';
import { createCipheriv, createDecipheriv, publicEncrypt, randomBytes, constants, type KeyObject } from 'node:crypto';
import {
  encodeMediaCipherHeader,
  mediaCipherAad,
  mediaCipherChunkSize,
  mediaCipherMagicText,
  mediaCipherNonce,
  mediaCipherTagBytes,
  type MediaCipherHeader,
} from '@vox/shared';

/**
 * The encrypted media format (Recording Crypto Server): every media file has its own random data
 * key, wrapped with the tenant's RSA public key (RSA-OAEP, SHA-256), as GIR wraps session keys
 * with the tenant's certificate. The media is AES-256-GCM in fixed-size chunks, so any byte range
 * is decrypted from the chunks it covers, without reading the file from the start.
 *
 *   "VOXENC1\n" | header length (uint32 BE) | header JSON | chunk 0 | chunk 1 | ... | last chunk
 *   chunk i = AES-256-GCM(plaintext[i * chunkSize, (i + 1) * chunkSize)) | 16-byte tag
 *   nonce i = 8-byte random prefix | i (uint32 BE);  AAD = i (uint64 BE) | 1 if last else 0
 *
 * The AAD binds each chunk to its place and marks the last one, so a reordered, dropped or
 * truncated chunk fails authentication instead of playing.
 */
export const mediaCipherMagic = Buffer.from(mediaCipherMagicText, 'ascii');
export const defaultChunkSize = mediaCipherChunkSize;
const tagBytes = mediaCipherTagBytes;

export type { MediaCipherHeader };

export class MediaCipherError extends Error {}

const aad = (index: number, last: boolean) => Buffer.from(mediaCipherAad(index, last));
const nonce = (prefix: Buffer, index: number) => Buffer.from(mediaCipherNonce(prefix, index));

export function encodeHeader(header: MediaCipherHeader): Buffer {
  return Buffer.from(encodeMediaCipherHeader(header));
}

/** Reads the header from the file's first bytes (4 KiB are always enough). */
export function decodeHeader(firstBytes: Buffer): { header: MediaCipherHeader; headerBytes: number } {
  if (!firstBytes.subarray(0, mediaCipherMagic.length).equals(mediaCipherMagic)) {
    throw new MediaCipherError('not a Vox encrypted media file');
  }
  const length = firstBytes.readUInt32BE(mediaCipherMagic.length);
  const start = mediaCipherMagic.length + 4;
  if (start + length > firstBytes.length) throw new MediaCipherError('the encrypted media header is cut short');
  let header: MediaCipherHeader;
  try {
    header = JSON.parse(firstBytes.subarray(start, start + length).toString('utf8')) as MediaCipherHeader;
  } catch {
    throw new MediaCipherError('the encrypted media header is not readable');
  }
  if (header.algorithm !== 'AES-256-GCM') {
    throw new MediaCipherError(`unsupported encrypted media header: ${String(header.algorithm)}`);
  }
  // Every writer (MCP, muxer, desktop) seals 8 KiB chunks: a crafted header with tiny chunks would
  // cost a decryption per few bytes, minutes of CPU for one upload.
  if (header.chunkSize !== mediaCipherChunkSize) {
    throw new MediaCipherError(
      `unsupported chunk size ${String(header.chunkSize)} (Vox writes ${mediaCipherChunkSize})`,
    );
  }
  if (typeof header.keyId !== 'string' || typeof header.wrappedKey !== 'string') {
    throw new MediaCipherError('the encrypted media header names no key');
  }
  if (typeof header.noncePrefix !== 'string' || Buffer.from(header.noncePrefix, 'base64').length !== 8) {
    throw new MediaCipherError('the encrypted media header has no 8-byte nonce prefix');
  }
  return { header, headerBytes: start + length };
}

/** The plaintext size of an encrypted file of `fileSize` bytes. */
export function plaintextSize(fileSize: number, headerBytes: number, chunkSize: number): number {
  const body = fileSize - headerBytes;
  const chunks = Math.ceil(body / (chunkSize + tagBytes));
  return body - chunks * tagBytes;
}

/**
 * Encrypts a file as it is written: `push` returns the chunks sealed so far, each as soon as it is
 * full, so a writer that dies leaves every whole chunk readable (see ChunkDecryptor's `cutShort`);
 * `finish` seals what is left as the last chunk.
 */
export class ChunkEncryptor {
  readonly header: Buffer;
  private readonly key: Buffer;
  private readonly prefix: Buffer;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private index = 0;

  constructor(
    keyId: string,
    tenantPublicKey: KeyObject | string,
    readonly chunkSize = defaultChunkSize,
  ) {
    this.key = randomBytes(32);
    this.prefix = randomBytes(8);
    const wrappedKey = publicEncrypt(
      { key: tenantPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      this.key,
    );
    this.header = encodeHeader({
      algorithm: 'AES-256-GCM',
      keyId,
      wrappedKey: wrappedKey.toString('base64'),
      noncePrefix: this.prefix.toString('base64'),
      chunkSize,
    });
  }

  /** Chunks sealed so far. */
  get sealedChunks(): number {
    return this.index;
  }

  push(plaintext: Buffer): Buffer[] {
    this.buffered.push(plaintext);
    this.bufferedBytes += plaintext.length;
    const out: Buffer[] = [];
    if (this.bufferedBytes <= this.chunkSize) return out;
    const all = Buffer.concat(this.buffered, this.bufferedBytes);
    let offset = 0;
    // Strictly more than a chunk: the last chunk is never sealed before `finish`.
    while (this.bufferedBytes - offset > this.chunkSize) {
      out.push(this.seal(all.subarray(offset, offset + this.chunkSize), this.index, false));
      offset += this.chunkSize;
      this.index++;
    }
    this.buffered = [all.subarray(offset)];
    this.bufferedBytes -= offset;
    return out;
  }

  /** Seals what is left as the last chunk, to append. */
  finish(): Buffer {
    return this.seal(Buffer.concat(this.buffered, this.bufferedBytes), this.index, true);
  }

  /** A decryptor for the file this encryptor wrote (`fileSize` bytes, header included). */
  decryptorFor(fileSize: number, cutShort = false): ChunkDecryptor {
    const { header, headerBytes } = decodeHeader(this.header);
    return new ChunkDecryptor(header, headerBytes, this.key, fileSize, cutShort);
  }

  private seal(plaintext: Buffer, index: number, last: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, index));
    cipher.setAAD(aad(index, last));
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }
}

/** Decrypts chunks of one encrypted file, given its header and the unwrapped data key. */
export class ChunkDecryptor {
  private readonly prefix: Buffer;

  constructor(
    private readonly header: MediaCipherHeader,
    private readonly headerBytes: number,
    private readonly key: Buffer,
    /** the encrypted file's size */
    fileSize: number,
    /**
     * The writer died before its closing chunk (a desktop crash): every whole chunk is kept, none
     * is taken for the last, and a torn one at the end is dropped.
     */
    private readonly cutShort = false,
  ) {
    this.prefix = Buffer.from(header.noncePrefix, 'base64');
    const sealed = header.chunkSize + tagBytes;
    this.fileSize = cutShort
      ? headerBytes + Math.floor(Math.max(0, fileSize - headerBytes) / sealed) * sealed
      : fileSize;
  }

  private readonly fileSize: number;

  get plaintextSize(): number {
    return plaintextSize(this.fileSize, this.headerBytes, this.header.chunkSize);
  }

  get chunkCount(): number {
    return Math.ceil((this.fileSize - this.headerBytes) / (this.header.chunkSize + tagBytes));
  }

  /** The byte span, in the encrypted file, of chunks [first, last]. */
  span(first: number, last: number): { start: number; end: number } {
    const sealed = this.header.chunkSize + tagBytes;
    return {
      start: this.headerBytes + first * sealed,
      end: Math.min(this.fileSize, this.headerBytes + (last + 1) * sealed) - 1,
    };
  }

  /** The chunks covering plaintext bytes [start, end]. */
  chunksFor(start: number, end: number): { first: number; last: number } {
    return { first: Math.floor(start / this.header.chunkSize), last: Math.floor(end / this.header.chunkSize) };
  }

  /** How many bytes chunk `index` takes in the encrypted file. */
  sealedSize(index: number): number {
    const span = this.span(index, index);
    return span.end - span.start + 1;
  }

  /** Chunk `index`'s plaintext, cut to the part of it inside plaintext bytes [start, end]. */
  openWithin(sealed: Buffer, index: number, start: number, end: number): Buffer {
    const plain = this.open(sealed, index);
    const chunkStart = index * this.header.chunkSize;
    return plain.subarray(Math.max(0, start - chunkStart), Math.min(plain.length, end - chunkStart + 1));
  }

  open(sealed: Buffer, index: number): Buffer {
    if (sealed.length < tagBytes) throw new MediaCipherError(`chunk ${index} is cut short`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.prefix, index));
    decipher.setAAD(aad(index, !this.cutShort && index === this.chunkCount - 1));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagBytes)), decipher.final()]);
    } catch {
      throw new MediaCipherError(`chunk ${index} of the media failed authentication: the file was altered or cut`);
    }
  }
}

/**
 * Writes `target` as a complete encrypted file with the plaintext of `source` (read through
 * `decryptor`: a cut-short one keeps the whole chunks of a file whose writer died), sealed by
 * `encryptor` under its own new key; `patch` may change each chunk's plaintext on the way (a
 * header whose sizes are known only now). A chunk is never sealed twice under one key and nonce.
 * Returns the plaintext bytes written. Synchronous: files are a few megabytes, and the media
 * worker that calls it at the end of a recording has nothing else to wait for.
 */
export function resealFile(
  source: string,
  target: string,
  decryptor: ChunkDecryptor,
  encryptor: ChunkEncryptor,
  patch?: (plaintext: Buffer, chunkIndex: number) => void,
): number {
  const input = fs.openSync(source, 'r');
  const output = fs.openSync(target, 'w');
  let bytes = 0;
  try {
    fs.writeSync(output, encryptor.header);
    for (let index = 0; index < decryptor.chunkCount; index++) {
      const span = decryptor.span(index, index);
      const sealed = Buffer.alloc(span.end - span.start + 1);
      fs.readSync(input, sealed, 0, sealed.length, span.start);
      const plaintext = decryptor.open(sealed, index);
      patch?.(plaintext, index);
      bytes += plaintext.length;
      for (const chunk of encryptor.push(plaintext)) fs.writeSync(output, chunk);
    }
    fs.writeSync(output, encryptor.finish());
    fs.fsyncSync(output);
  } finally {
    fs.closeSync(input);
    fs.closeSync(output);
  }
  return bytes;
}
