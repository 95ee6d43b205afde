import { apiErrorSchema } from '@vox/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

/** Password guessing through the login form, as an attacker would try it. */
let vox: VoxTestBackend;

beforeAll(async () => {
  vox = await VoxTestBackend.start();
});

afterAll(async () => {
  await vox?.stop();
});

const tryLogin = (username: string, password: string) => vox.call('POST', '/api/v2/auth/login', { username, password });

describe('behind a TLS proxy', () => {
  it('takes the client address from X-Forwarded-For only when the proxy is trusted (VOX_TRUST_PROXY)', async () => {
    const behindProxy = await VoxTestBackend.start({ VOX_TRUST_PROXY: '127.0.0.1' });
    try {
      const login = (backend: VoxTestBackend) =>
        fetch(`${backend.url}/api/v2/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.9' },
          body: JSON.stringify({ username: 'agent3', password: 'agent3-demo' }),
        });
      expect((await login(behindProxy)).status).toBe(200);
      expect((await login(vox)).status).toBe(200);
      const sources = async (backend: VoxTestBackend) => {
        const admin = await backend.client('admin');
        const { records } = await admin.call('listAudit', { query: { action: 'login', actor: 'agent3' } });
        return records.map((r) => r.source.split(' ')[0]);
      };
      expect(await sources(behindProxy)).toEqual(['203.0.113.9']);
      // Not trusted: a client cannot pick the address its failures count against.
      expect(await sources(vox)).toEqual(['127.0.0.1']);
    } finally {
      await behindProxy.stop();
    }
  });
});

describe('failed logins', () => {
  it('make a username wait (429 with Retry-After) after five, even with the right password, and are audited', async () => {
    for (let i = 0; i < 5; i++) expect((await tryLogin('agent4', `guess-${i}`)).status).toBe(401);
    const refused = await fetch(`${vox.url}/api/v2/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'agent4', password: 'agent4-demo' }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(apiErrorSchema.parse(await refused.json()).error.code).toBe('too_many_attempts');

    const admin = await vox.client('admin');
    const { records } = await admin.call('listAudit', { query: { action: 'login-failed' } });
    expect(records.filter((r) => r.target === 'agent4')).toHaveLength(5);
    const logins = await admin.call('listAudit', { query: { action: 'login', actor: 'admin' } });
    expect(logins.records.length).toBeGreaterThan(0);
  });

  it('make an address wait after twenty, across usernames', async () => {
    // agent4's five count towards this address's twenty.
    for (let i = 0; i < 15; i++) expect((await tryLogin(`nobody${i}`, 'x')).status).toBe(401);
    expect((await tryLogin('supervisor2', 'supervisor2-demo')).status).toBe(429);
  });
});
