import type pg from 'pg';
import type { Logger } from 'pino';
import type { CallLadder, TraceMessage, User } from '@vox/shared';
import { visibleTo } from './recording-visibility.ts';

/**
 * The ladders of recorded calls (every SIP and MSML message, as the SIP Server traced them), kept
 * in the database when the call ends: the SIP Server forgets a call, the recording does not.
 */
export class CallLadderStore {
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** Keeps the ladder; a repeated save (the backend stopping mid-call, then the call ending) replaces it. */
  async save(connId: string, callUuid: string, messages: TraceMessage[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO call_ladders (conn_id, call_uuid, ended_at, messages) VALUES ($1, $2, now(), $3)
       ON CONFLICT (conn_id) DO UPDATE SET messages = EXCLUDED.messages, ended_at = EXCLUDED.ended_at`,
      [connId, callUuid, JSON.stringify(messages)],
    );
  }

  /**
   * Saves without making the SIP Server wait; a failure is logged, since the recording itself
   * is unaffected. `idle()` waits for the saves in flight (at shutdown, before the database stops).
   */
  keep(connId: string, callUuid: string, messages: TraceMessage[]): void {
    const write = this.save(connId, callUuid, messages)
      .catch((error: unknown) => this.log.error({ err: error }, `could not keep the ladder of call ${connId}`))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  async idle(): Promise<void> {
    await Promise.all([...this.writes]);
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
