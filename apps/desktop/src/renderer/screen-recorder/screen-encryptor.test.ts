import { describe, expect, it } from 'vitest';
import { mediaCipherAad, mediaCipherChunkSize, mediaCipherMagicText, mediaCipherNonce } from '@vox/shared';
import { ScreenEncryptor } from './screen-encryptor.ts';

async function tenantKeyPair() {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['encrypt', 'decrypt'],
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki))}\n-----END PUBLIC KEY-----\n`;
  return { pem, privateKey: pair.privateKey };
}

/** The data key and nonce prefix the header carries, opened with the tenant's private key. */
async function headerKey(header: Uint8Array, privateKey: CryptoKey) {
  const length = new DataView(header.buffer, header.byteOffset).getUint32(8);
  const json = JSON.parse(new TextDecoder().decode(header.subarray(12, 12 + length))) as {
    wrappedKey: string;
    noncePrefix: string;
  };
  const raw = await crypto.subtle.decrypt(
    { name: 'RSA-OAEP' },
    privateKey,
    Uint8Array.from(atob(json.wrappedKey), (c) => c.charCodeAt(0)),
  );
  return {
    key: await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']),
    prefix: Uint8Array.from(atob(json.noncePrefix), (c) => c.charCodeAt(0)),
  };
}

/** Opens the chunks in order, the last one as the last, as the backend does. */
async function openSealed(header: Uint8Array, privateKey: CryptoKey, sealed: Uint8Array[]): Promise<Uint8Array> {
  const { key, prefix } = await headerKey(header, privateKey);
  const opened: number[] = [];
  for (const [index, chunk] of sealed.entries()) {
    const plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: mediaCipherNonce(prefix, index) as Uint8Array<ArrayBuffer>,
        additionalData: mediaCipherAad(index, index === sealed.length - 1) as Uint8Array<ArrayBuffer>,
      },
      key,
      chunk as Uint8Array<ArrayBuffer>,
    );
    opened.push(...new Uint8Array(plain));
  }
  return new Uint8Array(opened);
}

describe('ScreenEncryptor', () => {
  it("writes the backend's format: header, then 8 KiB AES-GCM chunks that the tenant key opens, in order", async () => {
    const { pem, privateKey } = await tenantKeyPair();
    const encryptor = await ScreenEncryptor.create({ keyId: 'k1', publicKey: pem });
    const plaintext = crypto.getRandomValues(new Uint8Array(mediaCipherChunkSize * 2 + 500));
    const sealed = [
      ...(await encryptor.push(plaintext.subarray(0, 5000))),
      ...(await encryptor.push(plaintext.subarray(5000))),
      await encryptor.finish(),
    ];
    expect(sealed.map((c) => c.length)).toEqual([mediaCipherChunkSize + 16, mediaCipherChunkSize + 16, 500 + 16]);

    const header = encryptor.header;
    expect(new TextDecoder().decode(header.subarray(0, 8))).toBe(mediaCipherMagicText);
    const length = new DataView(header.buffer, header.byteOffset).getUint32(8);
    const json = JSON.parse(new TextDecoder().decode(header.subarray(12, 12 + length))) as { keyId: string };
    expect(json.keyId).toBe('k1');
    const opened = await openSealed(header, privateKey, sealed);
    expect(opened).toEqual(plaintext);
    // A chunk out of place does not open.
    const { key, prefix } = await headerKey(header, privateKey);
    await expect(
      crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: mediaCipherNonce(prefix, 1) as Uint8Array<ArrayBuffer>,
          additionalData: mediaCipherAad(1, false) as Uint8Array<ArrayBuffer>,
        },
        key,
        sealed[0] as Uint8Array<ArrayBuffer>,
      ),
    ).rejects.toThrow();
  });

  it('keeps order and numbering when pushes overlap and finish comes before they are done', async () => {
    const { pem, privateKey } = await tenantKeyPair();
    const encryptor = await ScreenEncryptor.create({ keyId: 'k1', publicKey: pem });
    const plaintext = crypto.getRandomValues(new Uint8Array(mediaCipherChunkSize * 5 + 300));
    // MediaRecorder's last chunks arrive together at stop: nothing is awaited in between.
    const pieces = [
      encryptor.push(plaintext.subarray(0, 20_000)),
      encryptor.push(plaintext.subarray(20_000, 30_000)),
      encryptor.push(plaintext.subarray(30_000)),
    ];
    const last = encryptor.finish();
    const sealed = [...(await Promise.all(pieces)).flat(), await last];
    expect(sealed).toHaveLength(6);

    const opened = await openSealed(encryptor.header, privateKey, sealed);
    expect(opened).toEqual(plaintext);
  });
});
