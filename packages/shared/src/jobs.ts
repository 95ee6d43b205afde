import { z } from 'zod';

/**
 * The backend's durable background work, one queue each, on the job queue in PostgreSQL: a job
 * survives a restart and is run once, by whichever backend takes it.
 */
export const jobQueueNameSchema = z.enum([
  /** a finished media file going to storage (WebDAV or a folder) */
  'store-media',
  /** what storage confirmed, posted as metadata (the Recording Processor's, or the screen's) */
  'post-media-metadata',
  /** a call's uploaded screen recordings, muxed with its voice file */
  'mux-screen',
  /** a stored WAV G.711 analysed (talk, silence, overtalk, DTMF) */
  'analyse-interaction',
  /** a finished call's SIP/MSML ladder kept in the database */
  'keep-call-ladder',
  /** the retention rules applied, once a day */
  'retention-purge',
  /** expired login sessions deleted */
  'session-purge',
]);
export type JobQueueName = z.infer<typeof jobQueueNameSchema>;

/** How many jobs of a queue are in each state (completed and failed: those not archived yet). */
export const jobQueueCountsSchema = z.object({
  queue: jobQueueNameSchema,
  /** due now or later, never tried */
  waiting: z.number().int(),
  /** failed at least once, tried again after a backoff */
  retrying: z.number().int(),
  running: z.number().int(),
  /** out of attempts: kept until an admin retries them */
  failed: z.number().int(),
  completed: z.number().int(),
});
export type JobQueueCounts = z.infer<typeof jobQueueCountsSchema>;

/** A job that failed at least once: retrying, or out of attempts. */
export const troubledJobSchema = z.object({
  id: z.uuid(),
  queue: jobQueueNameSchema,
  state: z.enum(['retrying', 'failed']),
  /** what the job works on: a media file's storage path, a call, a recording */
  subject: z.string(),
  /** runs so far */
  attempts: z.number().int(),
  /** the most runs it gets before it stays failed */
  maxAttempts: z.number().int(),
  error: z.string(),
  /** when a retrying job runs next */
  nextAttemptAt: z.string().optional(),
  createdAt: z.string(),
});
export type TroubledJob = z.infer<typeof troubledJobSchema>;

/** A backend sharing the database, as the job queue knows it. */
export const backendNodeSchema = z.object({
  /** host name and a suffix, kept in the backend's data directory */
  nodeId: z.string(),
  startedAt: z.string(),
  /** its last heartbeat (every 5 s while it runs) */
  seenAt: z.string(),
  /** seen within the last 30 s; a backend not seen for longer has its jobs run by the others */
  alive: z.boolean(),
  /** jobs it runs now */
  running: z.number().int(),
  /** the backend that answered this request */
  self: z.boolean(),
});
export type BackendNode = z.infer<typeof backendNodeSchema>;

/** A job running now, and where. */
export const runningJobSchema = z.object({
  id: z.uuid(),
  queue: jobQueueNameSchema,
  subject: z.string(),
  nodeId: z.string(),
  startedAt: z.string(),
});
export type RunningJob = z.infer<typeof runningJobSchema>;

export const jobOverviewSchema = z.object({
  nodes: z.array(backendNodeSchema),
  queues: z.array(jobQueueCountsSchema),
  running: z.array(runningJobSchema),
  /** retrying and failed jobs, newest first, at most 100 */
  troubled: z.array(troubledJobSchema),
});
export type JobOverview = z.infer<typeof jobOverviewSchema>;

export const jobParamsSchema = z.object({ queue: jobQueueNameSchema, id: z.uuid() });
