import type pg from 'pg';
import type { User } from '@vox/shared';
import { rowToUser, type UserRow } from '../../platform/auth/user-rows.ts';
import type { CallDetailsStore } from '../call-details/call-details.ts';

/**
 * Who may attach a screen recording to a call: an agent who took part in it, for a recording of
 * that call. A screen recording is evidence of what the agent saw; anyone else's video attached to
 * a call would make the recording prove nothing.
 */
export class ScreenUploadPolicy {
  constructor(
    private readonly pool: pg.Pool,
    /** the calls' details, parties included, while they are fresh (this backend's or the database's) */
    private readonly callDetails: Pick<CallDetailsStore, 'lookup'>,
  ) {}

  /** Why the user may not upload a screen recording of this call (and recording), or undefined. */
  async refusal(user: User, connId: string, recordingId: string | undefined): Promise<string | undefined> {
    if (user.role !== 'agent' || !user.dn) return `only an agent uploads screen recordings, not ${user.username}`;
    const dn = user.dn;
    const live = (await this.callDetails.lookup(connId))?.parties.some((p) => p.dn === dn) ?? false;
    const stored = await this.pool.query<{ id: string }>(
      `SELECT id FROM recordings
        WHERE conn_id = $1 AND ($3 = ANY(agents) OR parties @> jsonb_build_array(jsonb_build_object('dn', $2::text)))`,
      [connId, dn, user.id],
    );
    if (!live && stored.rowCount === 0) return `${user.username} (DN ${dn}) took no part in call ${connId}`;
    if (recordingId) {
      const recording = await this.pool.query<{ conn_id: string }>('SELECT conn_id FROM recordings WHERE id = $1', [
        recordingId,
      ]);
      const ofCall = recording.rows[0]?.conn_id;
      if (ofCall !== undefined && ofCall !== connId)
        return `recording ${recordingId} is not a recording of call ${connId}`;
    }
    return undefined;
  }

  /** The same for the user who created an upload, as that user is now (checked again at its end). */
  async refusalForUploader(
    userId: string,
    connId: string,
    recordingId: string | undefined,
  ): Promise<string | undefined> {
    const row = (await this.pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [userId])).rows[0];
    return row ? this.refusal(rowToUser(row), connId, recordingId) : `the uploader ${userId} no longer exists`;
  }
}
