import {
  createPrivateKey,
  generateKeyPairSync,
  privateDecrypt,
  constants,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ExpiringCache } from './expiring-cache.ts';

interface StoredKey {
  id: string;
  createdAt: string;
  publicKey: string;
  /** PKCS#8 PEM, encrypted with the keystore passphrase when there is one */
  privateKey: string;
}

interface KeystoreFile {
  current: string;
  keys: StoredKey[];
}

export class KeystoreError extends Error {}

/**
 * Unwrapping a data key is an RSA private-key operation (a millisecond or more), and a player
 * seeking through a recording sends a Range request every few hundred milliseconds: a key once
 * unwrapped is kept this long, for this many files at most, and unwrapped again after.
 */
export const dataKeyLimits = { ttlMs: 60_000, maxEntries: 1024 };

/**
 * The tenant's keys (GIR: the tenant certificate in the Recording Crypto Server's keystore): RSA
 * 2048 key pairs in a file, the newest the current one. New media is wrapped with the current
 * public key; a rotation adds a key and keeps the old ones, so old recordings still play. Losing
 * the file loses the recordings: back it up apart from the media. With a passphrase
 * (`VOX_KEYSTORE_PASSPHRASE`), private keys are stored encrypted with it.
 */
export class TenantKeystore {
  /** Parsed once: reading a PEM (and with a passphrase, deriving its key) costs more than the decryption. */
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly dataKeys = new ExpiringCache<string, Buffer>(dataKeyLimits);

  private constructor(
    private readonly file: string,
    private readonly passphrase: string | undefined,
    private keystore: KeystoreFile,
  ) {}

  /** Opens the keystore, creating it with a first key when the file does not exist. */
  static async open(file: string, passphrase: string | undefined): Promise<TenantKeystore> {
    let keystore: KeystoreFile;
    try {
      keystore = JSON.parse(await fs.readFile(file, 'utf8')) as KeystoreFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new KeystoreError(`cannot read the keystore ${file}: ${(error as Error).message}`);
      }
      const created = new TenantKeystore(file, passphrase, { current: '', keys: [] });
      await created.rotate();
      return created;
    }
    const store = new TenantKeystore(file, passphrase, keystore);
    // Fails now, not at the first playback, when the passphrase is wrong.
    store.privateKey(keystore.current);
    return store;
  }

  get currentKeyId(): string {
    return this.keystore.current;
  }

  get currentPublicKey(): string {
    return this.find(this.keystore.current).publicKey;
  }

  /** How many unwrapped data keys are held in memory now (at most `dataKeyLimits.maxEntries`). */
  get heldDataKeys(): number {
    return this.dataKeys.size;
  }

  keys(): Array<{ id: string; createdAt: string; current: boolean }> {
    return this.keystore.keys.map((k) => ({
      id: k.id,
      createdAt: k.createdAt,
      current: k.id === this.keystore.current,
    }));
  }

  /** Makes a new key the current one; the old ones stay for the media they wrapped. */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
    this.keystore = {
      current: id,
      keys: [
        ...this.keystore.keys,
        {
          id,
          createdAt: new Date().toISOString(),
          publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          privateKey: privateKey
            .export({
              type: 'pkcs8',
              format: 'pem',
              ...(this.passphrase ? { cipher: 'aes-256-cbc', passphrase: this.passphrase } : {}),
            })
            .toString(),
        },
      ],
    };
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const partial = `${this.file}.partial`;
    await fs.writeFile(partial, JSON.stringify(this.keystore, null, 2), { mode: 0o600 });
    await fs.rename(partial, this.file);
    return id;
  }

  /**
   * Unwraps a media file's data key with the tenant key that wrapped it. The same wrapped key
   * asked for again within `dataKeyLimits.ttlMs` is answered from memory; a key that fails to
   * unwrap is never kept, so it fails again.
   */
  unwrap(keyId: string, wrappedKey: Buffer): Buffer {
    const cacheKey = `${keyId}:${wrappedKey.toString('base64')}`;
    const known = this.dataKeys.get(cacheKey);
    if (known) return Buffer.from(known);
    let key: Buffer;
    try {
      key = privateDecrypt(
        { key: this.privateKey(keyId), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        wrappedKey,
      );
    } catch (error) {
      if (error instanceof KeystoreError) throw error;
      throw new KeystoreError(`tenant key ${keyId} does not open this media's key: the wrong key or an altered file`);
    }
    // The caller gets its own copy: nothing it does to it reaches the next reader's key.
    this.dataKeys.set(cacheKey, Buffer.from(key));
    return key;
  }

  private privateKey(keyId: string): KeyObject {
    const parsed = this.privateKeys.get(keyId);
    if (parsed) return parsed;
    const stored = this.find(keyId);
    try {
      const key = createPrivateKey({
        key: stored.privateKey,
        ...(this.passphrase ? { passphrase: this.passphrase } : {}),
      });
      this.privateKeys.set(keyId, key);
      return key;
    } catch {
      throw new KeystoreError(
        `tenant key ${keyId} cannot be read: is VOX_KEYSTORE_PASSPHRASE the one it was made with?`,
      );
    }
  }

  private find(keyId: string): StoredKey {
    const key = this.keystore.keys.find((k) => k.id === keyId);
    if (!key) {
      throw new KeystoreError(
        `tenant key ${keyId} is not in the keystore ${this.file}: media it encrypted cannot be played until it is restored`,
      );
    }
    return key;
  }
}
