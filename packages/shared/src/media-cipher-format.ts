import { z } from 'zod';

/**
 * The Vox encrypted media format's byte layout, shared by the backend (node:crypto) and the
 * desktop (WebCrypto), which both write it:
 *
 *   "VOXENC1\n" | header length (uint32 BE) | header JSON | chunk 0 | chunk 1 | ... | last chunk
 *   chunk i = AES-256-GCM(plaintext[i * chunkSize, (i + 1) * chunkSize)) | 16-byte tag
 *   nonce i = 8-byte random prefix | i (uint32 BE);  AAD = i (uint64 BE) | 1 if last else 0
 */
export const mediaCipherMagicText = 'VOXENC1\n';
export const mediaCipherTagBytes = 16;
export const mediaCipherChunkSize = 8192;

export interface MediaCipherHeader {
  algorithm: 'AES-256-GCM';
  /** the tenant key that wrapped the data key */
  keyId: string;
  /** base64 RSA-OAEP(SHA-256) of the 32-byte data key */
  wrappedKey: string;
  /** base64, 8 bytes */
  noncePrefix: string;
  chunkSize: number;
}

/** The header is ASCII (ids and base64): encoded without TextEncoder, which not every runtime types. */
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    if (code > 127) throw new Error('the encrypted media header must be ASCII');
    return code;
  });
}

export function encodeMediaCipherHeader(header: MediaCipherHeader): Uint8Array {
  const magic = ascii(mediaCipherMagicText);
  const json = ascii(JSON.stringify(header));
  const out = new Uint8Array(magic.length + 4 + json.length);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, json.length);
  out.set(json, magic.length + 4);
  return out;
}

export function mediaCipherAad(index: number, last: boolean): Uint8Array {
  const out = new Uint8Array(9);
  new DataView(out.buffer).setBigUint64(0, BigInt(index));
  out[8] = last ? 1 : 0;
  return out;
}

export function mediaCipherNonce(prefix: Uint8Array, index: number): Uint8Array {
  const out = new Uint8Array(12);
  out.set(prefix.subarray(0, 8), 0);
  new DataView(out.buffer).setUint32(8, index);
  return out;
}

/** `GET /screen-recordings/key`: the tenant public key the desktop encrypts screen recordings with. */
export const tenantPublicKeySchema = z.object({
  keyId: z.string(),
  /** SPKI, PEM */
  publicKey: z.string(),
});
export type TenantPublicKey = z.infer<typeof tenantPublicKeySchema>;
