import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The audit chain's HMAC key, and the first record it keys. */
export interface AuditChainKey {
  key: Buffer;
  /**
   * Records from this sequence number on are HMAC-SHA256 keyed; older ones are the plain SHA-256
   * chain of before the key existed. Kept beside the key, not in the database, so someone who can
   * write the database cannot declare keyed records plain ones.
   */
  keyedFrom: number;
}

interface KeyFile {
  keyedFrom: number;
  /** 32 random bytes, base64 */
  key: string;
}

export class AuditKeyError extends Error {}

/**
 * Opens the audit key file, creating it (0600) when there is none: the records already in the
 * database (`newestSeq` of them) stay plain, every later one is keyed.
 */
export async function openAuditChainKey(file: string, newestSeq: () => Promise<number>): Promise<AuditChainKey> {
  try {
    return parse(file, await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const created: KeyFile = { keyedFrom: (await newestSeq()) + 1, key: randomBytes(32).toString('base64') };
  try {
    // `wx`: another backend starting at the same time may have made it first; its key wins.
    await fs.writeFile(file, `${JSON.stringify(created)}\n`, { mode: 0o600, flag: 'wx', flush: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parse(file, await fs.readFile(file, 'utf8'));
  }
  return { key: Buffer.from(created.key, 'base64'), keyedFrom: created.keyedFrom };
}

function parse(file: string, text: string): AuditChainKey {
  let stored: Partial<KeyFile>;
  try {
    stored = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw new AuditKeyError(`the audit key file ${file} is not JSON: restore it from its backup`);
  }
  const key = Buffer.from(typeof stored.key === 'string' ? stored.key : '', 'base64');
  if (key.length < 32 || !Number.isInteger(stored.keyedFrom) || (stored.keyedFrom ?? 0) < 1) {
    throw new AuditKeyError(`the audit key file ${file} is damaged: restore it from its backup`);
  }
  return { key, keyedFrom: stored.keyedFrom! };
}
