import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('agent1-demo');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored).not.toContain('agent1-demo');
    expect(await verifyPassword('agent1-demo', stored)).toBe(true);
    expect(await verifyPassword('agent1-demo ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('refuses a malformed or tampered stored hash', async () => {
    const stored = await hashPassword('secret');
    const parts = stored.split('$');
    parts[5] = Buffer.alloc(32).toString('base64url');
    expect(await verifyPassword('secret', parts.join('$'))).toBe(false);
    expect(await verifyPassword('secret', 'plain-text')).toBe(false);
  });
});
