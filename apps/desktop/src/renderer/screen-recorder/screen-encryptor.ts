import {
  encodeMediaCipherHeader,
  mediaCipherAad,
  mediaCipherChunkSize,
  mediaCipherNonce,
  type TenantPublicKey,
} from '@vox/shared';

function pemToDer(pem: string): ArrayBuffer {
  const base64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return bytes.buffer;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/**
 * Encrypts the screen recording in the desktop, before it is spooled or uploaded, in the format
 * the backend stores media in: a fresh AES-256-GCM data key, wrapped with the tenant's RSA public
 * key, and 8 KiB chunks (WebCrypto appends the 16-byte tag as node:crypto's format expects).
 */
export class ScreenEncryptor {
  private buffered = new Uint8Array(0);
  private index = 0;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly header: Uint8Array,
    private readonly key: CryptoKey,
    private readonly prefix: Uint8Array,
  ) {}

  static async create(tenant: TenantPublicKey): Promise<ScreenEncryptor> {
    const subtle = crypto.subtle;
    const rsa = await subtle.importKey(
      'spki',
      pemToDer(tenant.publicKey),
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['encrypt'],
    );
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    const wrapped = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, rsa, raw));
    const prefix = crypto.getRandomValues(new Uint8Array(8));
    const header = encodeMediaCipherHeader({
      algorithm: 'AES-256-GCM',
      keyId: tenant.keyId,
      wrappedKey: toBase64(wrapped),
      noncePrefix: toBase64(prefix),
      chunkSize: mediaCipherChunkSize,
    });
    return new ScreenEncryptor(header, key, prefix);
  }

  /**
   * Sealed chunks to append; the last chunk is only sealed by `finish`. Calls may overlap (a
   * chunk arrives while the previous one is still being sealed): each waits for the one before,
   * so the chunks keep their order and their numbers.
   */
  push(plaintext: Uint8Array): Promise<Uint8Array[]> {
    return this.serially(async () => {
      const all = new Uint8Array(this.buffered.length + plaintext.length);
      all.set(this.buffered, 0);
      all.set(plaintext, this.buffered.length);
      const sealed: Uint8Array[] = [];
      let offset = 0;
      while (all.length - offset > mediaCipherChunkSize) {
        sealed.push(await this.seal(all.subarray(offset, offset + mediaCipherChunkSize), false));
        offset += mediaCipherChunkSize;
      }
      this.buffered = all.slice(offset);
      return sealed;
    });
  }

  /** Seals what is left as the last chunk, after every push made before. */
  finish(): Promise<Uint8Array> {
    return this.serially(() => this.seal(this.buffered, true));
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async seal(plaintext: Uint8Array, last: boolean): Promise<Uint8Array> {
    const index = this.index++;
    const sealed = await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: mediaCipherNonce(this.prefix, index) as Uint8Array<ArrayBuffer>,
        additionalData: mediaCipherAad(index, last) as Uint8Array<ArrayBuffer>,
        tagLength: 128,
      },
      this.key,
      plaintext as Uint8Array<ArrayBuffer>,
    );
    return new Uint8Array(sealed);
  }
}
