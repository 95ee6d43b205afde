import { PrometheusText } from '../../src/test-support/prometheus-text.ts';

/** The backend's own figures from one scrape of `GET /metrics`. */
export interface MetricsScrape {
  callsInProgress: number;
  recordingsInProgress: number;
  recordingsStored: number;
  recordingsFailed: number;
  outboxDepth: number;
  /** the most a media worker's clock ran late over the second before the scrape */
  engineLagMs: number;
  /** share of one core the media workers were busy over that second, summed */
  engineBusy: number;
  /** the main thread's event-loop delay since the previous scrape (prom-client resets it each time) */
  eventLoopMaxMs: number;
}

/**
 * Scrapes `/metrics` every second once started, as a Prometheus would (more often than it usually does: the
 * engine's lag gauge covers one second, and a slower scrape would miss the seconds in between).
 * Keeps every lag it saw, and the worst of each figure since the last `take()`.
 */
export class MetricsWatch {
  /** every scrape's engine lag, for the run's percentiles */
  readonly engineLagsMs: number[] = [];
  readonly eventLoopMaxesMs: number[] = [];
  /** every scrape's media worker busy share, for the run's mean */
  readonly engineBusyShares: number[] = [];
  latest: MetricsScrape | undefined;
  failures = 0;
  private worst = { engineLagMs: 0, engineBusy: 0, eventLoopMaxMs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private scraping = false;

  constructor(private readonly url: string) {}

  /** Scrapes every second from now on; what was kept before is forgotten. */
  start(): void {
    this.engineLagsMs.length = 0;
    this.eventLoopMaxesMs.length = 0;
    this.engineBusyShares.length = 0;
    this.take();
    this.timer = setInterval(() => void this.scrape(), 1000);
  }

  /** The worst lag, busy share and event-loop delay since the previous take. */
  take(): { engineLagMs: number; engineBusy: number; eventLoopMaxMs: number } {
    const worst = this.worst;
    this.worst = { engineLagMs: 0, engineBusy: 0, eventLoopMaxMs: 0 };
    return worst;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async scrape(): Promise<MetricsScrape | undefined> {
    if (this.scraping) return this.latest;
    this.scraping = true;
    try {
      const response = await fetch(`${this.url}/metrics`);
      if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
      const text = new PrometheusText(await response.text());
      const sum = (name: string) => text.find(name).reduce((total, s) => total + s.value, 0);
      const scrape: MetricsScrape = {
        callsInProgress: sum('vox_calls_in_progress'),
        recordingsInProgress: text.value('vox_recordings_in_progress'),
        recordingsStored: text.value('vox_recordings_stored_total'),
        recordingsFailed: text.value('vox_recordings_failed_total'),
        outboxDepth: text.value('vox_outbox_depth'),
        engineLagMs: text.value('vox_media_engine_lag_seconds') * 1000,
        engineBusy: text.value('vox_media_engine_busy_ratio'),
        eventLoopMaxMs: text.value('nodejs_eventloop_lag_max_seconds') * 1000,
      };
      this.latest = scrape;
      this.engineLagsMs.push(scrape.engineLagMs);
      this.eventLoopMaxesMs.push(scrape.eventLoopMaxMs);
      this.engineBusyShares.push(scrape.engineBusy);
      this.worst = {
        engineLagMs: Math.max(this.worst.engineLagMs, scrape.engineLagMs),
        engineBusy: Math.max(this.worst.engineBusy, scrape.engineBusy),
        eventLoopMaxMs: Math.max(this.worst.eventLoopMaxMs, scrape.eventLoopMaxMs),
      };
      return scrape;
    } catch {
      this.failures++;
      return undefined;
    } finally {
      this.scraping = false;
    }
  }
}
