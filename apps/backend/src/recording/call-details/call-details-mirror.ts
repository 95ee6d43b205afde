import type pg from 'pg';
import type { Logger } from 'pino';
import type { CallDetails } from './call-details.ts';

/** After a failed write, the next try waits this long (the database is down or restarting). */
const retryAfterMs = 1000;

/**
 * The calls' details written to PostgreSQL (GIR's ICON keeps them in a database too), so that a
 * backend other than the one handling a call can merge them into its recording or check who took
 * part: behind a load balancer, the metadata job or the screen upload may land anywhere. Writes
 * are batched: every call changed since the last write goes in one statement, the newest state of
 * each, so a burst of call events costs one round trip.
 */
export class CallDetailsMirror {
  private readonly dirty = new Map<string, CallDetails>();
  private writing: Promise<void> | undefined;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** The call's details changed: written shortly, with the other changes since the last write. */
  changed(details: CallDetails): void {
    this.dirty.set(details.connId, details);
    this.writing ??= this.writeDirty();
  }

  async load(connId: string): Promise<CallDetails | undefined> {
    const result = await this.pool.query<{ details: CallDetails }>(
      'SELECT details FROM call_details WHERE conn_id = $1',
      [connId],
    );
    return result.rows[0]?.details;
  }

  /** Forgets calls this backend no longer keeps, and any call not written to for a week (its backend is gone). */
  async forget(connIds: readonly string[]): Promise<void> {
    await this.pool.query(
      "DELETE FROM call_details WHERE conn_id = ANY($1::text[]) OR updated_at < now() - interval '7 days'",
      [connIds],
    );
  }

  /** Resolves once every change made so far is written (or failed and waits to be tried again). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeDirty(): Promise<void> {
    // One event-loop turn: the changes of the same call event go in the same batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.dirty.size > 0) {
      const batch = [...this.dirty.values()];
      this.dirty.clear();
      try {
        await this.pool.query(
          `INSERT INTO call_details (conn_id, details)
           SELECT * FROM unnest($1::text[], $2::jsonb[])
           ON CONFLICT (conn_id) DO UPDATE SET details = EXCLUDED.details, updated_at = now()`,
          [batch.map((d) => d.connId), batch.map((d) => JSON.stringify(d))],
        );
        if (this.failing) this.log.info('call details: written to the database again');
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.log.warn({ err: error }, 'call details: cannot write them to the database; retrying');
        this.failing = true;
        // Kept unless a newer state of the call came meanwhile.
        for (const details of batch) if (!this.dirty.has(details.connId)) this.dirty.set(details.connId, details);
        await new Promise((resolve) => setTimeout(resolve, retryAfterMs).unref());
        if (this.stopped) break;
      }
    }
    this.writing = undefined;
  }

  /** Writes what is left (one try), then stops retrying. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }
}
