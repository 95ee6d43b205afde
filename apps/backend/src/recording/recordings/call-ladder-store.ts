import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { traceMessageSchema, type CallLadder, type TraceMessage, type User } from '@vox/shared';
import type { JobQueue, JobQueueDefinition } from '../../platform/jobs/job-queue.ts';
import { visibleTo } from './recording-visibility.ts';

const keepLadderJobSchema = z.object({
  connId: z.string(),
  callUuid: z.string(),
  messages: z.array(traceMessageSchema),
});

/** A finished call's ladder written to the database, off the SIP Server's path. */
export const keepCallLadderJob: JobQueueDefinition<z.infer<typeof keepLadderJobSchema>> = {
  name: 'keep-call-ladder',
  data: keepLadderJobSchema,
  retryLimit: 5,
  expireInSeconds: 60,
  concurrency: 2,
  subject: (job) => `call ${job.connId}`,
};

/**
 * The ladders of recorded calls (every SIP and MSML message, as the SIP Server traced them), kept
 * in the database when the call ends: the SIP Server forgets a call, the recording does not.
 */
export class CallLadderStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly jobs: JobQueue,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.jobs.work(keepCallLadderJob, ({ connId, callUuid, messages }) => this.save(connId, callUuid, messages));
  }

  /** Keeps the ladder; a repeated save (the backend stopping mid-call, then the call ending) replaces it. */
  async save(connId: string, callUuid: string, messages: TraceMessage[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO call_ladders (conn_id, call_uuid, ended_at, messages) VALUES ($1, $2, now(), $3)
       ON CONFLICT (conn_id) DO UPDATE SET messages = EXCLUDED.messages, ended_at = EXCLUDED.ended_at
       -- A ladder only grows: a save run late (on another backend, or retried) keeps the longer one.
       WHERE jsonb_array_length(call_ladders.messages) <= jsonb_array_length(EXCLUDED.messages)`,
      [connId, callUuid, JSON.stringify(messages)],
    );
  }

  /**
   * Queues the save without making the SIP Server wait; a failure to queue is logged, since the
   * recording itself is unaffected.
   */
  keep(connId: string, callUuid: string, messages: TraceMessage[]): void {
    this.jobs
      .send(keepCallLadderJob, { connId, callUuid, messages })
      .catch((error: unknown) => this.log.error({ err: error }, `could not keep the ladder of call ${connId}`));
  }

  /** The ladder of a recording's call; undefined when the viewer may not see the recording. */
  async ladderOf(recordingId: string, viewer: User): Promise<CallLadder | undefined> {
    const params: unknown[] = [recordingId];
    const result = await this.pool.query<{ conn_id: string; messages: TraceMessage[] | null }>(
      `SELECT r.conn_id, l.messages FROM recordings r LEFT JOIN call_ladders l ON l.conn_id = r.conn_id
        WHERE r.id = $1 AND ${visibleTo(viewer, params)}`,
      params,
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return { recordingId, connId: row.conn_id, messages: row.messages ?? [] };
  }
}
