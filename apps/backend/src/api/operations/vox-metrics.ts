import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { RecordingEventName, StorageStatus } from '@vox/shared';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { MediaEngineLoad } from '../../telephony/mcp/audio-engine/media-engine.ts';

/** Where the live figures come from: each is read when Prometheus scrapes, never copied ahead. */
export interface MetricSources {
  /** calls not released yet: the simulation's (SIP Server) and SIPREC sessions being recorded */
  liveCalls(): { simulation: number; siprec: number };
  engine: { readonly activeCaptures: number; readonly failedCaptures: number; load(): MediaEngineLoad };
  outboxStatus(): Promise<StorageStatus>;
  muxBacklog(): Promise<{ waitingForVoice: number; storing: number }>;
  bus: EventBus;
  log: Logger;
}

/** Request durations from a millisecond answer to a long media download. */
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The route label of a request no route matched: one series for all of them, not one per URL. */
export const unmatchedRoute = '(unmatched)';

/**
 * The backend's Prometheus metrics, in a registry of its own (never prom-client's global one:
 * tests run several backends in one process, and each must count only its own work).
 */
export class VoxMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly collectFailures: Counter<'source'>;
  private readonly onRecordingEvent: (name: RecordingEventName) => void;
  /** sources whose last read failed: logged once per outage, not at every scrape */
  private readonly failing = new Set<string>();
  /** the database reads of the scrape under way: the failure counter waits for them */
  private readonly reading = new Set<Promise<unknown>>();

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'vox_calls_in_progress',
      help: 'Calls not released yet: simulated calls (consultations included) and SIPREC sessions.',
      labelNames: ['origin'],
      registers,
      collect() {
        const calls = sources.liveCalls();
        this.set({ origin: 'simulation' }, calls.simulation);
        this.set({ origin: 'siprec' }, calls.siprec);
      },
    });
    new Gauge({
      name: 'vox_recordings_in_progress',
      help: 'Media files being captured by the media engine now (simulated and SIPREC calls).',
      registers,
      collect() {
        this.set(sources.engine.activeCaptures);
      },
    });
    const stored = new Counter({
      name: 'vox_recordings_stored_total',
      help: 'Voice media files stored, confirmed by storage and indexed (RecordingStored).',
      registers,
    });
    this.onRecordingEvent = (name) => {
      if (name === 'RecordingStored') stored.inc();
    };
    sources.bus.on('recordingEvent', this.onRecordingEvent);
    let failedSeen = 0;
    new Counter({
      name: 'vox_recordings_failed_total',
      help: 'Captures that failed in the media engine (a worker died or could not write): media files cut short.',
      registers,
      collect() {
        const failed = sources.engine.failedCaptures;
        if (failed > failedSeen) this.inc(failed - failedSeen);
        failedSeen = failed;
      },
    });

    // One query answers both outbox gauges: a scrape collects them together and they share it.
    const outboxStatus = this.databaseSource('outbox', () => sources.outboxStatus());
    new Gauge({
      name: 'vox_outbox_depth',
      help: 'Finished files waiting in the storage outbox for storage to confirm them.',
      registers,
      async collect() {
        const status = await outboxStatus();
        if (status) this.set(status.pending);
      },
    });
    new Gauge({
      name: 'vox_outbox_oldest_age_seconds',
      help: 'How long the oldest file in the storage outbox has waited (0 when it is empty).',
      registers,
      async collect() {
        const status = await outboxStatus();
        if (status) this.set(status.oldest ? Math.max(0, (Date.now() - Date.parse(status.oldest)) / 1000) : 0);
      },
    });
    const muxBacklog = this.databaseSource('mux', () => sources.muxBacklog());
    new Gauge({
      name: 'vox_mux_queue_depth',
      help: 'Finished screen uploads not muxed and stored yet, by state (waiting_for_voice, storing).',
      labelNames: ['state'],
      registers,
      async collect() {
        const backlog = await muxBacklog();
        if (!backlog) return;
        this.set({ state: 'waiting_for_voice' }, backlog.waitingForVoice);
        this.set({ state: 'storing' }, backlog.storing);
      },
    });
    new Gauge({
      name: 'vox_media_engine_lag_seconds',
      help: "The most a media worker's clock ran late over the last second.",
      registers,
      collect() {
        this.set(sources.engine.load().maxLateMs / 1000);
      },
    });
    new Gauge({
      name: 'vox_media_engine_busy_ratio',
      help: 'Seconds per second the media workers spent in their render ticks, summed (wall clock: when cores are short it includes waiting for one).',
      registers,
      collect() {
        this.set(sources.engine.load().busyShare);
      },
    });

    this.httpDuration = new Histogram({
      name: 'vox_http_request_duration_seconds',
      help: 'HTTP request durations by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: httpBuckets,
      registers,
    });

    // Registered last, so a scrape collects it after the reads it counts have started.
    const reading = this.reading;
    this.collectFailures = new Counter({
      name: 'vox_metrics_collect_failures_total',
      help: 'Scrapes in which a source could not be read (its gauges kept their previous values).',
      labelNames: ['source'],
      registers,
      async collect() {
        await Promise.all(reading);
      },
    });
  }

  /** One answered request; `route` is the route's pattern (`/api/v2/recordings/:id`), not its URL. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route: route ?? unmatchedRoute, status_code: String(statusCode) }, seconds);
  }

  /** The text exposition format Prometheus scrapes. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops counting this backend's events (its bus outlives nothing, but tests start many). */
  close(): void {
    this.sources.bus.off('recordingEvent', this.onRecordingEvent);
  }

  /**
   * A figure read from the database: one read per scrape, shared by the gauges that collect it
   * meanwhile. A read that fails (the database is down) answers undefined, so its gauges keep their
   * values; it is counted, and logged once per outage.
   */
  private databaseSource<T>(source: string, read: () => Promise<T>): () => Promise<T | undefined> {
    let running: Promise<T | undefined> | undefined;
    const attempt = async (): Promise<T | undefined> => {
      try {
        const value = await read();
        this.failing.delete(source);
        return value;
      } catch (error) {
        this.collectFailures.inc({ source });
        if (!this.failing.has(source)) {
          this.sources.log.warn({ err: error }, `metrics: the ${source} figures could not be read`);
        }
        this.failing.add(source);
        return undefined;
      }
    };
    return () => {
      if (!running) {
        const started = attempt().finally(() => {
          this.reading.delete(started);
          running = undefined;
        });
        this.reading.add(started);
        running = started;
      }
      return running;
    };
  }
}
