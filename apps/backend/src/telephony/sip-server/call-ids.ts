import { randomBytes } from 'node:crypto';

/** ConnectionID as Genesys prints it: 16 hex digits. */
export function newConnId(): string {
  return randomBytes(8).toString('hex');
}

const base32 = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

/** CallUUID in the 32-character upper-case base-32 form SIP Server uses. */
export function newCallUuid(): string {
  const bytes = randomBytes(32);
  let uuid = '';
  for (const byte of bytes) uuid += base32[byte & 31];
  return uuid;
}
