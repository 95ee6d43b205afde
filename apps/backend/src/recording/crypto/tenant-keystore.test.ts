import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataKeyLimits, KeystoreError, TenantKeystore } from './tenant-keystore.ts';

let dir: string;
let keystore: TenantKeystore;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-keystore-'));
  keystore = await TenantKeystore.open(path.join(dir, 'tenant-keys.json'), 'a long passphrase');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A data key wrapped as the media writers wrap it. */
function wrapped(dataKey: Buffer): Buffer {
  return publicEncrypt(
    { key: keystore.currentPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    dataKey,
  );
}

describe('TenantKeystore: unwrapped data keys kept for the next Range request', () => {
  it('keeps one key per wrapped key, and hands each caller a copy of its own', () => {
    const dataKey = randomBytes(32);
    const sealed = wrapped(dataKey);
    const before = keystore.heldDataKeys;
    const first = keystore.unwrap(keystore.currentKeyId, sealed);
    expect(first).toEqual(dataKey);
    first.fill(0);
    expect(keystore.unwrap(keystore.currentKeyId, sealed)).toEqual(dataKey);
    expect(keystore.heldDataKeys).toBe(before + 1);
    // The same data key wrapped again (OAEP is randomised) is another entry, never a wrong answer.
    expect(keystore.unwrap(keystore.currentKeyId, wrapped(dataKey))).toEqual(dataKey);
    expect(keystore.heldDataKeys).toBe(before + 2);
  });

  it('keeps nothing for a wrapped key that does not open, which fails each time', () => {
    const before = keystore.heldDataKeys;
    const altered = wrapped(randomBytes(32));
    altered[10]! ^= 0xff;
    for (let i = 0; i < 2; i++) {
      expect(() => keystore.unwrap(keystore.currentKeyId, altered)).toThrow(KeystoreError);
    }
    expect(() => keystore.unwrap('k-unknown', wrapped(randomBytes(32)))).toThrow(/not in the keystore/);
    expect(keystore.heldDataKeys).toBe(before);
  });

  it(`holds ${dataKeyLimits.maxEntries} keys at most, for ${dataKeyLimits.ttlMs / 1000} s at most`, () => {
    expect(dataKeyLimits.ttlMs).toBeLessThanOrEqual(5 * 60_000);
    const keys = Array.from({ length: dataKeyLimits.maxEntries + 10 }, () => randomBytes(32));
    for (const key of keys) keystore.unwrap(keystore.currentKeyId, wrapped(key));
    expect(keystore.heldDataKeys).toBe(dataKeyLimits.maxEntries);
  });
});
