import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCallError, ApiClient } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

describe('ApiClient (packages/shared) against a running backend', () => {
  let backend: VoxTestBackend;
  let token: string | undefined;
  let api: ApiClient;

  beforeAll(async () => {
    backend = await VoxTestBackend.start();
    api = new ApiClient({ baseUrl: backend.url, token: () => token, fetch: (url, init) => fetch(url, init) });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('logs in, calls routes by name with typed input, and parses what they answer', async () => {
    token = (await api.call('login', { body: { username: 'admin', password: 'admin-demo' } })).token;
    const created = await api.call('createCall', { body: { ani: '5550100', dnis: '8005550100', targetDn: '7001' } });
    const call = await api.call('getCall', { params: { connId: created.connId } });
    expect(call.connId).toBe(created.connId);
    const answered = await api.call('callAnswer', { params: { connId: created.connId }, body: { dn: '7001' } });
    expect(answered.state).toBe('established');
    const { calls } = await api.call('listCalls', { query: { dn: '7001' } });
    expect(calls.map((c) => c.connId)).toContain(created.connId);
    await api.call('callRelease', { params: { connId: created.connId }, body: { dn: '7001' } });
  });

  it('throws the backend’s error code and message, and EventError’s for T-Library requests', async () => {
    const missing = await api.call('getRecording', { params: { id: 'no-such-recording' } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiCallError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found', message: 'no recording no-such-recording' });

    const refused = await api
      .call('privateService', {
        body: { privateMsgId: 3015, thisDn: '7001', connId: '0123456789abcdef' },
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiCallError);
    expect((refused as ApiCallError).code).toMatch(/^16\d\d$/);

    await api.call('logout');
    const afterLogout = await api.call('listRecordings').catch((e: unknown) => e);
    expect(afterLogout).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});
