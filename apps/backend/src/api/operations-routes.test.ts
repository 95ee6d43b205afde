import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusText } from '../test-support/prometheus-text.ts';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';
import { httpStatusOfCode } from './api-errors.ts';
import { scrapeRefusal } from './operations-routes.ts';

async function scrape(backend: VoxTestBackend, headers: Record<string, string> = {}): Promise<PrometheusText> {
  const response = await fetch(`${backend.url}/metrics`, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text}`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new PrometheusText(text);
}

describe('GET /metrics on a backend without VOX_METRICS_TOKEN', () => {
  let backend: VoxTestBackend;

  beforeAll(async () => {
    backend = await VoxTestBackend.start();
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it("parses as Prometheus text and names this backend's figures, event-loop lag included", async () => {
    const metrics = await scrape(backend);
    for (const [name, type] of [
      ['vox_calls_in_progress', 'gauge'],
      ['vox_recordings_in_progress', 'gauge'],
      ['vox_recordings_stored_total', 'counter'],
      ['vox_recordings_failed_total', 'counter'],
      ['vox_outbox_depth', 'gauge'],
      ['vox_outbox_oldest_age_seconds', 'gauge'],
      ['vox_mux_queue_depth', 'gauge'],
      ['vox_media_engine_lag_seconds', 'gauge'],
      ['vox_http_request_duration_seconds', 'histogram'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
    ]) {
      expect(metrics.types.get(name!), name).toBe(type);
    }
    expect(metrics.value('vox_outbox_depth')).toBe(0);
    expect(metrics.value('vox_mux_queue_depth', { state: 'waiting_for_voice' })).toBe(0);
  });

  it('counts a recorded call while it runs and once it is stored', async () => {
    const before = await scrape(backend);
    expect(before.value('vox_calls_in_progress', { origin: 'simulation' })).toBe(0);
    expect(before.value('vox_recordings_in_progress')).toBe(0);
    const storedBefore = before.value('vox_recordings_stored_total');

    let during: PrometheusText | undefined;
    const connId = await backend.recordedCall('5550900', '7001', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      during = await scrape(backend);
    });
    expect(during!.value('vox_calls_in_progress', { origin: 'simulation' })).toBe(1);
    expect(during!.value('vox_calls_in_progress', { origin: 'siprec' })).toBe(0);
    expect(during!.value('vox_recordings_in_progress')).toBe(1);

    await backend.recordingsOf(connId);
    const after = await scrape(backend);
    expect(after.value('vox_recordings_stored_total') - storedBefore).toBe(1);
    expect(after.value('vox_calls_in_progress', { origin: 'simulation' })).toBe(0);
    expect(after.value('vox_recordings_in_progress')).toBe(0);
    expect(after.value('vox_recordings_failed_total')).toBe(0);
    expect(after.value('vox_outbox_depth')).toBe(0);
  });

  it('times requests by route pattern, never by the URL a request used', async () => {
    const token = await backend.token('admin');
    const connId = await backend.recordedCall('5550901', '7002', 50);
    const recording = (await backend.recordingsOf(connId))[0]!;
    expect((await backend.call('GET', `/api/v2/recordings/${recording.id}`, undefined, token)).status).toBe(200);
    expect((await backend.call('GET', `/api/v2/recordings/no-such-recording`, undefined, token)).status).toBe(404);
    expect((await backend.call('GET', `/no/such/route/${recording.id}`)).status).toBe(404);

    const metrics = await scrape(backend);
    const requests = (route: string, status: string) =>
      metrics.value('vox_http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    expect(requests('/api/v2/recordings/:id', '200')).toBe(1);
    expect(requests('/api/v2/recordings/:id', '404')).toBe(1);
    expect(requests('(unmatched)', '404')).toBe(1);
    expect(
      metrics.value('vox_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v2/sim/calls/:connId/answer',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    const routes = metrics.find('vox_http_request_duration_seconds_count').map((s) => s.labels.route!);
    expect(routes.filter((route) => route.includes(recording.id) || route.includes(connId))).toEqual([]);
    // The buckets add up: every request of a series falls in the +Inf bucket.
    expect(
      metrics.value('vox_http_request_duration_seconds_bucket', {
        method: 'GET',
        route: '/api/v2/recordings/:id',
        status_code: '200',
        le: '+Inf',
      }),
    ).toBe(1);
  });

  it('refuses a request a proxy forwarded, even from this computer', async () => {
    const response = await fetch(`${backend.url}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('GET /metrics on a backend with VOX_METRICS_TOKEN', () => {
  const token = 'scrape-token-0123456789';
  let backend: VoxTestBackend;

  beforeAll(async () => {
    backend = await VoxTestBackend.start({ VOX_METRICS_TOKEN: token });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('asks every scraper, this computer included, for the token', async () => {
    const wrong: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer not-the-token-at-all' },
      { Authorization: token },
    ];
    for (const headers of wrong) {
      const response = await fetch(`${backend.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    // A user's session token is not the scrape token either.
    const session = await backend.token('admin');
    expect((await fetch(`${backend.url}/metrics`, { headers: { Authorization: `Bearer ${session}` } })).status).toBe(
      401,
    );
    const metrics = await scrape(backend, { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '203.0.113.9' });
    expect(metrics.types.get('vox_outbox_depth')).toBe('gauge');
  });
});

describe('who may scrape without VOX_METRICS_TOKEN', () => {
  it.each([
    ['127.0.0.1', {}, undefined],
    ['127.8.9.10', {}, undefined],
    ['::1', {}, undefined],
    ['::ffff:127.0.0.1', {}, undefined],
    ['10.1.2.3', {}, 403],
    ['::ffff:192.0.2.4', {}, 403],
    ['2001:db8::1', {}, 403],
    ['127.0.0.1', { forwarded: 'for=198.51.100.7' }, 403],
  ] as const)('%s %j', (ip, headers, refused) => {
    const refusal = scrapeRefusal({ ip, headers }, undefined);
    expect(refusal && httpStatusOfCode[refusal.code]).toBe(refused);
  });
});
