import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema, recordingSchema, type Recording } from '@vox/shared';
import { VoxTestBackend } from './test-support/vox-test-backend.ts';

let backend: VoxTestBackend;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
});

afterAll(async () => {
  await backend?.stop();
});

const call = (method: string, route: string, body?: unknown, token?: string) =>
  backend.call(method, route, body, token);
const login = (username: string) => backend.login(username);

describe('login', () => {
  it('gives a bearer token and the user with role, DN and group', async () => {
    const session = await login('agent1');
    expect(session.token.length).toBeGreaterThan(30);
    expect(session.user).toEqual({ id: 'agent1', username: 'agent1', role: 'agent', dn: '7001', group: 'sales' });
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrongPassword = await call('POST', '/api/v2/auth/login', { username: 'agent1', password: 'nope' });
    const unknownUser = await call('POST', '/api/v2/auth/login', { username: 'nobody', password: 'nope' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser).toEqual(wrongPassword);
    expect(apiErrorSchema.parse(wrongPassword.body).error.message).toBe('wrong username or password');
  });
});

describe('bad input is a 4xx JSON error, never a 5xx', () => {
  it.each([
    ['POST', '/api/v2/auth/login', '{not json', undefined, 400],
    ['POST', '/api/v2/auth/login', { username: '' }, undefined, 400],
    ['POST', '/api/v2/sim/calls', { ani: '5550100', dnis: '800', targetDn: '7001' }, undefined, 401],
    ['GET', '/api/v2/recordings', undefined, 'not-a-token', 401],
    ['GET', '/api/v2/recordings?limit=100000', undefined, 'admin', 400],
    ['GET', '/api/v2/recordings?cursor=garbage', undefined, 'admin', 400],
    ['POST', '/api/v2/sim/calls', { ani: '5550100', dnis: '800', targetDn: '9999' }, 'admin', 404],
    ['POST', '/api/v2/sim/calls', { ani: '5550100' }, 'admin', 400],
    ['POST', '/api/v2/sim/calls/0123456789abcdef/answer', { dn: '7001' }, 'admin', 404],
    ['POST', '/api/v2/sim/calls/not-a-connid/answer', { dn: '7001' }, 'admin', 400],
    ['GET', '/api/v2/no/such/route', undefined, undefined, 404],
  ])('%s %s %j', async (method, route, body, who, status) => {
    const token = who === 'admin' ? (await login('admin')).token : who;
    const response = await call(method, route, body, token);
    expect(response.status).toBe(status);
    expect(apiErrorSchema.safeParse(response.body).success).toBe(true);
  });

  it('refuses an agent acting for another agent’s DN', async () => {
    const admin = await login('admin');
    const created = await call(
      'POST',
      '/api/v2/sim/calls',
      { ani: '5550100', dnis: '800', targetDn: '7002' },
      admin.token,
    );
    const { connId } = created.body as { connId: string };
    const agent1 = await login('agent1');
    const response = await call('POST', `/api/v2/sim/calls/${connId}/answer`, { dn: '7002' }, agent1.token);
    expect(response.status).toBe(403);
    await call('POST', `/api/v2/sim/calls/${connId}/release`, { dn: '7002' }, admin.token);
  });
});

describe('a call routed with record=source', () => {
  it('is recorded from answer to release and listed with the contract fields, for its group only', async () => {
    const admin = await login('admin');
    const created = await call(
      'POST',
      '/api/v2/sim/calls',
      { ani: '5550177', dnis: '8005550100', targetDn: '7003', record: 'source', attachedData: { account: 'A-9' } },
      admin.token,
    );
    expect(created.status).toBe(201);
    const { connId, callUuid } = created.body as { connId: string; callUuid: string };
    expect(connId).toMatch(/^[0-9a-f]{16}$/);
    expect(callUuid).toMatch(/^[0-9A-V]{32}$/);
    const agent = await login('agent3');
    expect((await call('POST', `/api/v2/sim/calls/${connId}/answer`, { dn: '7003' }, agent.token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await call('POST', `/api/v2/sim/calls/${connId}/release`, { dn: '7003' }, agent.token)).status).toBe(200);

    let recording: Recording | undefined;
    for (let i = 0; i < 50 && !recording; i++) {
      const listed = await call('GET', `/api/v2/recordings?connId=${connId}`, undefined, admin.token);
      recording = (listed.body as { recordings: Recording[] }).recordings[0];
      if (!recording) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recordingSchema.parse(recording)).toMatchObject({
      id: callUuid,
      connId,
      callerPhoneNumber: '5550177',
      dialedPhoneNumber: '8005550100',
      agentId: 'agent3',
      // record=source: the caller is the recording-enabled party
      recordDN: '5550177',
      group: 'support',
      attachedData: { account: 'A-9' },
    });
    const media = recording?.mediaFiles[0];
    expect(media?.duration).toBeGreaterThan(1300);
    expect(media?.parameters).toMatchObject({
      connId,
      ani: '5550177',
      dnis: '8005550100',
      recordDN: '5550177',
      agentId: 'agent3',
    });
    expect(recording?.eventHistory.map((e) => e.event)).toEqual([
      'RoutingStrategy',
      'EventRinging',
      'EventEstablished',
      'RecordingStarted',
      'RecordingStopped',
      'EventReleased',
    ]);

    const wildcard = await call('GET', '/api/v2/recordings?callerPhoneNumber=555*77', undefined, admin.token);
    expect((wildcard.body as { recordings: Recording[] }).recordings.map((r) => r.id)).toContain(callUuid);
    const otherGroup = await login('supervisor1');
    expect((await call('GET', `/api/v2/recordings/${callUuid}`, undefined, otherGroup.token)).status).toBe(404);
    const ownGroup = await login('supervisor2');
    expect((await call('GET', `/api/v2/recordings/${callUuid}`, undefined, ownGroup.token)).status).toBe(200);

    const range = await fetch(`${backend.url}/api/v2/recordings/${callUuid}/media/${media?.mediaId}`, {
      headers: { Authorization: `Bearer ${ownGroup.token}`, Range: 'bytes=0-99' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 0-99/${media?.size}`);
    expect(range.headers.get('content-type')).toBe('audio/mp3');
    expect((await range.arrayBuffer()).byteLength).toBe(100);

    const trace = await call('GET', `/api/v2/sim/calls/${connId}/trace`, undefined, admin.token);
    const summaries = (trace.body as { messages: Array<{ summary: string }> }).messages.map((m) => m.summary);
    expect(summaries[0]).toMatch(/^INVITE sip:msml=[0-9a-f]{16}@rm\.vox\.local:5070;dn=5550177;record/);
    expect(summaries.some((s) => s.includes('(MSML dialogstart)'))).toBe(true);
    expect(summaries.some((s) => s.includes('(MSML dialogend)'))).toBe(true);
  });
});

describe('OpenAPI', () => {
  it('describes every route with the shared schemas', async () => {
    const { status, body } = await call('GET', '/api/v2/openapi.json');
    expect(status).toBe(200);
    const document = body as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/v2/recordings/{id}/media/{mediaId}');
    expect(JSON.stringify(document.paths['/api/v2/sim/calls']?.post?.requestBody)).toContain('disable_destination');
  });
});

describe('the SIPREC recording server at start', () => {
  it('stops the start with a sentence naming VOX_SIP_PORT when its port is taken', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
    try {
      const started = VoxTestBackend.start({ VOX_SIP_PORT: String(taken.address().port) });
      await expect(started).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\).*VOX_SIP_PORT/);
    } finally {
      taken.close();
    }
  });
});

describe('what every answer carries, and what no input may', () => {
  it('sends nosniff, no referrer, no framing and a closed policy on API answers; the pages connect only to the backend', async () => {
    const api = await fetch(`${backend.url}/api/v2/recordings`);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('referrer-policy')).toBe('no-referrer');
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const page = await fetch(`${backend.url}/agent`);
    const policy = page.headers.get('content-security-policy') ?? '';
    if (page.status === 200) expect(policy).toContain("connect-src 'self';");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['a NUL in the login name', 'POST', '/api/v2/auth/login', { username: 'agent1\u0000', password: 'x' }],
    ['an escape sequence in a label', 'PUT', '/api/v2/recordings/some-id/labels', { labels: ['\u001b[31mred'] }],
    ['a NUL in a path id', 'GET', '/api/v2/recordings/abc%00def', undefined],
    ['a NUL in a query', 'GET', '/api/v2/recordings?agent=agent1%00', undefined],
  ])('answers %s with 400, never 500', async (_what, method, route, body) => {
    const answer = await call(method, route, body, await backend.token('admin'));
    expect(answer.status).toBe(400);
    expect(apiErrorSchema.parse(answer.body).error.message).toMatch(/control character/);
  });
});

describe('the tenant keystore outside the demo', () => {
  it('needs a passphrase while encryption is on, and lives outside the data directory with the audit key', async () => {
    await expect(VoxTestBackend.start({ VOX_DEMO: '0' })).rejects.toThrow(/VOX_KEYSTORE_PASSPHRASE/);
    const configHome = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-config-home-'));
    const production = await VoxTestBackend.start({
      VOX_DEMO: '0',
      VOX_KEYSTORE_PASSPHRASE: 'a long enough passphrase',
      XDG_CONFIG_HOME: configHome,
    });
    try {
      const [keysDir] = await fs.readdir(path.join(configHome, 'vox-recorder'));
      const keys = await fs.readdir(path.join(configHome, 'vox-recorder', keysDir!));
      expect(keys.sort()).toEqual(['audit-key', 'tenant-keys.json']);
      // A backup of the data directory holds no key.
      await expect(fs.stat(path.join(production.dataDir, 'keystore'))).rejects.toThrow(/ENOENT/);
      const stored = await fs.readFile(path.join(configHome, 'vox-recorder', keysDir!, 'tenant-keys.json'), 'utf8');
      expect(stored).not.toContain('BEGIN PRIVATE KEY');
    } finally {
      await production.stop();
      await fs.rm(configHome, { recursive: true, force: true });
    }
  });
});
