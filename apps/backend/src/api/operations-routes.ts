import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { readinessSchema } from '@vox/shared';
import type { BackendReadiness } from './operations/readiness.ts';
import type { VoxMetrics } from './operations/vox-metrics.ts';
import { Refusal } from '../platform/refusal.ts';

export interface OperationsDependencies {
  readiness: BackendReadiness;
  metrics: VoxMetrics;
  /** the bearer token `/metrics` asks for; undefined: only this computer may read it */
  metricsToken: string | undefined;
}

/** What a request to `/metrics` shows of itself: where it comes from and what it carries. */
export interface ScrapeRequest {
  ip: string;
  headers: Record<string, string | string[] | undefined>;
}

function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison's time says nothing about the token.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Why a scrape of `/metrics` is refused, or undefined when it may read them. Prometheus has no
 * user session: with `VOX_METRICS_TOKEN` set, the token is asked of every scraper; without it,
 * only a process on this computer may read, and a request a proxy forwarded does not count as
 * one (the proxy is local, its client may not be).
 */
export function scrapeRefusal(request: ScrapeRequest, token: string | undefined): Refusal | undefined {
  if (token !== undefined) {
    const authorization = request.headers.authorization;
    const given = typeof authorization === 'string' ? /^Bearer (.+)$/i.exec(authorization)?.[1] : undefined;
    if (given !== undefined && sameSecret(given, token)) return undefined;
    return new Refusal('unauthorized', 'metrics need the bearer token set in VOX_METRICS_TOKEN');
  }
  const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  if (isLoopback(request.ip) && !forwarded) return undefined;
  return new Refusal(
    'forbidden',
    'metrics are served to this computer only; set VOX_METRICS_TOKEN to let a scraper elsewhere read them',
  );
}

/**
 * `/healthz` (liveness), `/readyz` (readiness) and `/metrics` (Prometheus), outside `/api/v2`:
 * they are read by orchestrators and scrapers, not by users. Registered before the other routes,
 * so the request timing hook sees every route.
 */
export function registerOperationsRoutes(app: FastifyInstance, deps: OperationsDependencies): void {
  const { readiness, metrics, metricsToken } = deps;
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });

  // Liveness asks nothing of the database: an orchestrator restarts a backend whose liveness
  // fails, which would end every call it records for an outage the backend rides out by itself.
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const answer = readinessSchema.parse(await readiness.check());
    return reply.status(answer.status === 'ready' ? 200 : 503).send(answer);
  });

  app.get('/metrics', async (request, reply) => {
    const refusal = scrapeRefusal(request, metricsToken);
    if (refusal) {
      if (refusal.code === 'unauthorized') reply.header('WWW-Authenticate', 'Bearer realm="vox-metrics"');
      throw refusal;
    }
    const text = await metrics.exposition();
    return reply.type(metrics.contentType).send(text);
  });
}
