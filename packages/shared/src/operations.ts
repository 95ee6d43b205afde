import { z } from 'zod';

/**
 * The operations endpoints' shapes: what a load balancer or an orchestrator reads before it sends
 * the backend work (`GET /readyz`). `/healthz` stays `{status: "ok"}` and `/metrics` is
 * Prometheus text, so neither has a schema here.
 */

/** One dependency's answer: whether it is usable, how long asking took, and why not when it is not. */
export const readinessCheckSchema = z.object({
  ok: z.boolean(),
  /** how long the check took, in milliseconds */
  ms: z.number().nonnegative(),
  /** a sentence for a person, present when `ok` is false */
  reason: z.string().optional(),
});
export type ReadinessCheck = z.infer<typeof readinessCheckSchema>;

/** `GET /readyz`: 200 when every check is ok, 503 with the same shape when one is not. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    /** a `SELECT 1` on the metadata database */
    database: readinessCheckSchema,
    /** the media storage (local directory or WebDAV) answers and takes writes */
    storage: readinessCheckSchema.extend({ kind: z.enum(['local', 'webdav']) }),
    /** the media engine's worker threads report in, and none runs too far behind its clock */
    mediaEngine: readinessCheckSchema.extend({
      workers: z.number().int().nonnegative(),
      lagMs: z.number().nonnegative(),
    }),
    /** free space where the data directory is (recordings are written there before storage) */
    disk: readinessCheckSchema.extend({
      freeBytes: z.number().int().nonnegative(),
      minFreeBytes: z.number().int().nonnegative(),
    }),
  }),
});
export type Readiness = z.infer<typeof readinessSchema>;
