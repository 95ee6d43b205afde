import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../platform/events/event-bus.ts';
import { MediaEngine } from '../../telephony/mcp/audio-engine/media-engine.ts';
import { PrometheusText } from '../../test-support/prometheus-text.ts';
import { capturingLogger, silentLogger } from '../../test-support/test-logger.ts';
import { VoxMetrics, type MetricSources } from './vox-metrics.ts';

/*
 * The figures read from the database (outbox, mux queue) and the live calls are exercised through a
 * real backend in api/operations-routes.test.ts. Here: what a backend cannot be made to do on
 * request (a media worker dying), and a source that cannot be read.
 */

let dir: string;
let engine: MediaEngine;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-metrics-'));
  engine = new MediaEngine({ workers: 1, log: silentLogger });
});

afterAll(async () => {
  await engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function metricsOver(sources: Partial<MetricSources>): VoxMetrics {
  return new VoxMetrics({
    liveCalls: () => ({ simulation: 0, siprec: 0 }),
    engine,
    outboxStatus: async () => ({ pending: 0 }),
    muxBacklog: async () => ({ waitingForVoice: 0, storing: 0 }),
    bus: new EventBus(),
    log: silentLogger,
    ...sources,
  });
}

async function scrape(metrics: VoxMetrics): Promise<PrometheusText> {
  return new PrometheusText(await metrics.exposition());
}

describe('VoxMetrics', () => {
  it('counts a recording whose media worker died as failed, once', async () => {
    const metrics = metricsOver({});
    const before = (await scrape(metrics)).value('vox_recordings_failed_total');
    const capture = engine.start({
      startTime: Date.now() - 2000,
      seed: 1,
      outputs: [{ format: 'mp3-8k-mono', path: path.join(dir, 'doomed.mp3') }],
    });
    expect((await scrape(metrics)).value('vox_recordings_in_progress')).toBe(1);
    await engine.crashWorker(0);
    await expect(capture.stop(Date.now())).rejects.toThrow(/exited/);

    const after = await scrape(metrics);
    expect(after.value('vox_recordings_failed_total') - before).toBe(1);
    expect(after.value('vox_recordings_in_progress')).toBe(0);
    // A counter read twice does not count the same failure twice.
    expect((await scrape(metrics)).value('vox_recordings_failed_total') - before).toBe(1);
  });

  it('counts RecordingStored on its own bus only, and stops at close()', async () => {
    const bus = new EventBus();
    const metrics = metricsOver({ bus });
    const other = metricsOver({});
    const stored = { connId: 'c', callUuid: 'u', recordingId: 'r', dn: '7001', at: new Date().toISOString() };
    bus.emit('recordingEvent', 'RecordingStarted', stored, undefined);
    bus.emit('recordingEvent', 'RecordingStored', stored, undefined);
    expect((await scrape(metrics)).value('vox_recordings_stored_total')).toBe(1);
    expect((await scrape(other)).value('vox_recordings_stored_total')).toBe(0);
    metrics.close();
    bus.emit('recordingEvent', 'RecordingStored', stored, undefined);
    expect((await scrape(metrics)).value('vox_recordings_stored_total')).toBe(1);
  });

  it('keeps serving the other figures when the outbox cannot be read, counts the failure and logs it once', async () => {
    let outboxDown = false;
    const { log, records } = capturingLogger();
    const oldest = new Date(Date.now() - 90_000).toISOString();
    const metrics = metricsOver({
      outboxStatus: async () => {
        if (outboxDown) throw new Error('Connection terminated unexpectedly');
        return { pending: 3, oldest };
      },
      liveCalls: () => ({ simulation: 2, siprec: 1 }),
      log,
    });
    const up = await scrape(metrics);
    expect(up.value('vox_outbox_depth')).toBe(3);
    expect(up.value('vox_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(90);

    outboxDown = true;
    // Each scrape shows its own failures (one read per scrape, however many gauges use it).
    expect((await scrape(metrics)).value('vox_metrics_collect_failures_total', { source: 'outbox' })).toBe(1);
    const down = await scrape(metrics);
    expect(down.value('vox_outbox_depth')).toBe(3);
    expect(down.value('vox_metrics_collect_failures_total', { source: 'outbox' })).toBe(2);
    expect(down.value('vox_calls_in_progress', { origin: 'simulation' })).toBe(2);
    expect(down.value('vox_calls_in_progress', { origin: 'siprec' })).toBe(1);
    expect(records).toMatchObject([
      {
        level: 'warn',
        msg: 'metrics: the outbox figures could not be read',
        err: { message: 'Connection terminated unexpectedly' },
      },
    ]);
  });
});
