import type pg from 'pg';
import type {
  CallEvent,
  MediaFile,
  Recording,
  RecordingList,
  RecordingOrigin,
  RecordingQuery,
  RecordingSort,
  ScreenRecording,
  SpeechAnalytics,
  User,
} from '@vox/shared';
import { withTransaction } from '../../platform/db/transaction.ts';
import { rowToUser, type UserRow } from '../../platform/auth/user-rows.ts';
import { MediaReadChecks, type MediaReadAnswer, type MediaReadCheck } from './media-read-checks.ts';
import { visibleTo, visibleToUserRow } from './recording-visibility.ts';

export interface RecordingHeader {
  id: string;
  origin: RecordingOrigin;
  connId: string;
  callUuid: string;
  callerPhoneNumber: string;
  dialedPhoneNumber: string;
  agentId: string | undefined;
  recordDN: string;
  group: string | undefined;
  /** every agent group that took part in the call (transfers, conferences) */
  groups: string[];
  /** every agent that took part */
  agents: string[];
  parties: Recording['parties'];
  startTime: string;
  stopTime: string;
  eventHistory: CallEvent[];
  attachedData: Record<string, string>;
}

export interface StoredMedia {
  storagePath: string;
  type: string;
  size: number;
}

interface StoredMediaRow {
  storage_path: string;
  type: string;
  size: string | number;
}

function toStoredMedia(row: StoredMediaRow): StoredMedia {
  return { storagePath: row.storage_path, type: row.type, size: Number(row.size) };
}

/** Every stored object of every recording, by media id: voices, screens and thumbnails. */
const storedObjects = `(
  SELECT recording_id, media_id, storage_path, type, size FROM media_files
  UNION ALL SELECT recording_id, media_id, storage_path, type, size FROM screen_recordings
  UNION ALL SELECT recording_id, thumbnail_media_id, thumbnail_storage_path, 'image/jpeg', 0
    FROM screen_recordings WHERE thumbnail_media_id IS NOT NULL
)`;

interface RecordingRow {
  id: string;
  origin: RecordingOrigin;
  rfc4733_digits: number;
  conn_id: string;
  call_uuid: string;
  caller_phone_number: string;
  dialed_phone_number: string;
  agent_id: string | null;
  record_dn: string;
  group_name: string | null;
  groups: string[];
  agents: string[];
  parties: Recording['parties'];
  start_time: Date;
  stop_time: Date;
  event_history: CallEvent[];
  attached_data: Record<string, string>;
  labels: string[];
  legal_hold: boolean;
  duration_ms: number;
}

/** `*` is the wildcard of the RWS search; every other LIKE metacharacter is taken literally. */
function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

/** The column each order sorts on, and the SQL type its cursor value is cast to. */
const sortKeys = {
  startTime: { column: 'r.start_time', type: 'timestamptz' },
  duration: { column: 'r.duration_ms', type: 'integer' },
} as const;

function sortKeyOf(sort: RecordingSort) {
  return { ...sortKeys[sort.endsWith('startTime') ? 'startTime' : 'duration'], descending: sort.startsWith('-') };
}

/**
 * A cursor names the last row of a page by its sort value and id. The default order keeps the
 * two-element form cursors have always had; the others carry their order, so a cursor given out
 * for one order is refused for another instead of skipping rows.
 */
function encodeCursor(row: RecordingRow, sort: RecordingSort): string {
  const value = sort.endsWith('startTime') ? row.start_time.toISOString() : row.duration_ms;
  const fields = sort === '-startTime' ? [value, row.id] : [sort, value, row.id];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The values a cursor may carry are those `encodeCursor` writes; anything else would reach SQL as a 500. */
const isCursorInstant = (key: unknown): key is string =>
  typeof key === 'string' &&
  /^[1-9]\d{3}-/.test(key) &&
  !Number.isNaN(Date.parse(key)) &&
  new Date(key).toISOString() === key;
const isCursorDuration = (key: unknown): key is number =>
  typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < 2 ** 31;
const isCursorId = (id: unknown): id is string =>
  typeof id === 'string' &&
  id.length <= 256 &&
  [...id].every((character) => character >= ' ' && character !== '\u007f');

function decodeCursor(cursor: string, sort: RecordingSort): [string | number, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value)) return undefined;
    const fields: unknown[] = sort === '-startTime' ? value : value[0] === sort ? value.slice(1) : [];
    const [key, id] = fields;
    const keyFits = sort.endsWith('startTime') ? isCursorInstant(key) : isCursorDuration(key);
    if (fields.length === 2 && keyFits && isCursorId(id)) return [key as string | number, id];
  } catch {
    // fall through: a malformed cursor is the caller's error
  }
  return undefined;
}

export class InvalidCursorError extends Error {}

/** How many of the newest recordings a wildcard search walks before it asks the trigram index. */
const wildcardWindow = 20_000;

/** The metadata store (GIR: RWS over Cassandra; here PostgreSQL). */
export class RecordingStore {
  private readonly mediaReadChecks = new MediaReadChecks((checks) => this.answerMediaReadChecks(checks));

  constructor(private readonly pool: pg.Pool) {}

  async exists(id: string): Promise<boolean> {
    const result = await this.pool.query('SELECT 1 FROM recordings WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Creates the recording, or widens its time span and refreshes its history when it exists. */
  async upsertRecording(header: RecordingHeader): Promise<void> {
    await this.pool.query(
      `INSERT INTO recordings (id, conn_id, call_uuid, caller_phone_number, dialed_phone_number,
         agent_id, record_dn, group_name, start_time, stop_time, event_history, attached_data, groups, agents, parties,
         origin, rfc4733_digits, pci_leak)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17, CASE WHEN $17 > 0 THEN true END)
       ON CONFLICT (id) DO UPDATE SET
         rfc4733_digits = EXCLUDED.rfc4733_digits,
         pci_leak = CASE WHEN EXCLUDED.rfc4733_digits > 0 THEN true ELSE recordings.pci_leak END,
         parties = EXCLUDED.parties,
         groups = ARRAY(SELECT DISTINCT unnest(recordings.groups || EXCLUDED.groups)),
         agents = ARRAY(SELECT DISTINCT unnest(recordings.agents || EXCLUDED.agents)),
         start_time = LEAST(recordings.start_time, EXCLUDED.start_time),
         stop_time = GREATEST(recordings.stop_time, EXCLUDED.stop_time),
         event_history = EXCLUDED.event_history,
         attached_data = EXCLUDED.attached_data`,
      [
        header.id,
        header.connId,
        header.callUuid,
        header.callerPhoneNumber,
        header.dialedPhoneNumber,
        header.agentId ?? null,
        header.recordDN,
        header.group ?? null,
        header.startTime,
        header.stopTime,
        JSON.stringify(header.eventHistory),
        JSON.stringify(header.attachedData),
        header.groups,
        header.agents,
        JSON.stringify(header.parties),
        header.origin,
        rfc4733Digits(header.eventHistory),
      ],
    );
  }

  /** Idempotent by media id: the same metadata posted twice stores one media file. */
  async addMediaFile(
    recordingId: string,
    media: MediaFile,
    stored: { storagePath: string; sha256: string },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO media_files (media_id, recording_id, type, start_time, stop_time, duration_ms, size,
         sha256, storage_path, ivr_profile, parameters, pauses, interrupted)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (media_id) DO NOTHING`,
      [
        media.mediaId,
        recordingId,
        media.type,
        media.startTime,
        media.stopTime,
        media.duration,
        media.size,
        stored.sha256,
        stored.storagePath,
        media.ivrprofile,
        JSON.stringify(media.parameters),
        JSON.stringify(media.pauses),
        media.interrupted ?? null,
      ],
    );
    const added = (result.rowCount ?? 0) > 0;
    if (added && media.type === 'audio/mp3') {
      await this.pool.query('UPDATE recordings SET duration_ms = duration_ms + $2 WHERE id = $1', [
        recordingId,
        media.duration,
      ]);
    }
    return added;
  }

  async get(id: string, viewer: User): Promise<Recording | undefined> {
    const params: unknown[] = [id];
    const result = await this.pool.query<RecordingRow>(
      `SELECT r.* FROM recordings r WHERE r.id = $1 AND ${visibleTo(viewer, params)}`,
      params,
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return (await this.withMedia([row]))[0];
  }

  async list(query: RecordingQuery, viewer: User): Promise<RecordingList> {
    const params: unknown[] = [];
    const narrowed = Boolean(query.connId || (query.agent && !query.agent.includes('*')));
    const where = [visibleTo(viewer, params, narrowed)];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    // Without a `*` it is an exact match, which the btree indexes serve directly.
    const match = (column: string, value: string) =>
      value.includes('*')
        ? add((p) => `${column} LIKE ${p}`, likePattern(value))
        : add((p) => `${column} = ${p}`, value);
    if (query.callerPhoneNumber) match('r.caller_phone_number', query.callerPhoneNumber);
    if (query.dialedPhoneNumber) match('r.dialed_phone_number', query.dialedPhoneNumber);
    if (query.agent) match('r.agent_id', query.agent);
    if (query.connId) add((p) => `r.conn_id = ${p}`, query.connId);
    if (query.label) add((p) => `r.labels @> ARRAY[${p}]::text[]`, query.label);
    if (query.group) add((p) => `r.groups @> ARRAY[${p}]::text[]`, query.group);
    if (query.minDuration !== undefined) add((p) => `r.duration_ms >= ${p}`, query.minDuration * 1000);
    if (query.maxDuration !== undefined) add((p) => `r.duration_ms <= ${p}`, query.maxDuration * 1000);
    if (query.hasScreen !== undefined) add((p) => `r.has_screen = ${p}`, query.hasScreen === 'true');
    if (query.pciLeak !== undefined) add((p) => `r.pci_leak = ${p}`, query.pciLeak === 'true');
    if (query.minOvertalk !== undefined) add((p) => `r.overtalk_ms >= ${p}`, Math.round(query.minOvertalk * 1000));
    if (query.minLongestSilence !== undefined) {
      add(
        (p) =>
          `EXISTS (SELECT 1 FROM recording_analytics a WHERE a.recording_id = r.id AND a.longest_silence_ms >= ${p})`,
        Math.round(query.minLongestSilence * 1000),
      );
    }
    if (query.from) add((p) => `r.start_time >= ${p}`, query.from);
    if (query.to) add((p) => `r.start_time < ${p}`, query.to);
    const key = sortKeyOf(query.sort);
    const direction = key.descending ? 'DESC' : 'ASC';
    let after = 'TRUE';
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor, query.sort);
      if (!cursor) throw new InvalidCursorError('the cursor is not one this server gave out for this order');
      params.push(cursor[0], cursor[1]);
      after = `(${key.column}, r.id) ${key.descending ? '<' : '>'} ($${params.length - 1}::${key.type}, $${params.length})`;
      where.push(after);
    }
    params.push(query.limit + 1);
    const order = `ORDER BY ${key.column} ${direction}, r.id ${direction} LIMIT $${params.length}`;
    const wildcard =
      query.sort === '-startTime' &&
      [query.callerPhoneNumber, query.dialedPhoneNumber, query.agent].some((v) => v?.includes('*'));
    // A wildcard that matches many numbers (`555*77`) is fastest found by walking the newest
    // recordings; one that matches few (`*4711`) by its trigram index. The planner cannot tell
    // them apart, so the newest few thousand are tried first: a full page there is the answer.
    if (wildcard) {
      const newest = await this.pool.query<RecordingRow>(
        `SELECT r.* FROM (SELECT * FROM recordings r WHERE ${after}
           ORDER BY r.start_time DESC, r.id DESC LIMIT ${wildcardWindow}) r
          WHERE ${where.join(' AND ')} ${order}`,
        params,
      );
      if (newest.rows.length > query.limit) return this.page(newest.rows, query);
    }
    const result = await this.pool.query<RecordingRow>(
      `SELECT r.* FROM recordings r WHERE ${where.join(' AND ')} ${order}`,
      params,
    );
    return this.page(result.rows, query);
  }

  /** The first `limit` rows, and a cursor when there were more. */
  private async page(found: RecordingRow[], query: RecordingQuery): Promise<RecordingList> {
    const rows = found.slice(0, query.limit);
    const last = rows[rows.length - 1];
    return {
      recordings: await this.withMedia(rows),
      nextCursor: found.length > query.limit && last ? encodeCursor(last, query.sort) : null,
    };
  }

  /** Any stored object of a recording the viewer may see: voice, screen or thumbnail. */
  async findMedia(recordingId: string, mediaId: string, viewer: User): Promise<StoredMedia | undefined> {
    const params: unknown[] = [recordingId, mediaId];
    const result = await this.pool.query<StoredMediaRow>(
      `SELECT m.storage_path, m.type, m.size FROM recordings r JOIN ${storedObjects} m ON m.recording_id = r.id
        WHERE r.id = $1 AND m.media_id = $2 AND ${visibleTo(viewer, params)}`,
      params,
    );
    const row = result.rows[0];
    return row ? toStoredMedia(row) : undefined;
  }

  /**
   * The user of a live session and, when that user may see it, one stored object of a recording:
   * what a player's every Range request checks. Checks made at the same time share one query
   * (see MediaReadChecks). Undefined when the session is unknown or expired (the rule of
   * `sessionForToken`); `media` undefined when there is no such object or the user may not see it.
   */
  findMediaForSession(tokenHash: string, recordingId: string, mediaId: string): Promise<MediaReadAnswer> {
    return this.mediaReadChecks.check({ tokenHash, recordingId, mediaId });
  }

  /** The answers to `checks`, in their order, in one round trip. */
  private async answerMediaReadChecks(checks: MediaReadCheck[]): Promise<MediaReadAnswer[]> {
    const result = await this.pool.query<
      UserRow & {
        check_number: string;
        media_storage_path: string | null;
        media_type: string | null;
        media_size: string | null;
      }
    >({
      // Prepared once per connection: the plan is the same for every read.
      name: 'media-read-checks',
      text: `SELECT c.check_number, u.*,
                    m.storage_path AS media_storage_path, m.type AS media_type, m.size AS media_size
               FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY
                      AS c(token_hash, recording_id, media_id, check_number)
               JOIN sessions s ON s.token_hash = c.token_hash AND s.expires_at > now()
               JOIN users u ON u.id = s.user_id
               LEFT JOIN LATERAL (
                 SELECT m.storage_path, m.type, m.size FROM recordings r JOIN ${storedObjects} m ON m.recording_id = r.id
                  WHERE r.id = c.recording_id AND m.media_id = c.media_id AND ${visibleToUserRow}
                  LIMIT 1
               ) m ON TRUE`,
      values: [checks.map((c) => c.tokenHash), checks.map((c) => c.recordingId), checks.map((c) => c.mediaId)],
    });
    const answers: MediaReadAnswer[] = checks.map(() => undefined);
    for (const row of result.rows) {
      const media =
        row.media_storage_path === null
          ? undefined
          : toStoredMedia({ storage_path: row.media_storage_path, type: row.media_type!, size: row.media_size! });
      answers[Number(row.check_number) - 1] = { user: rowToUser(row), media };
    }
    return answers;
  }

  async setLabels(id: string, labels: string[], viewer: User): Promise<boolean> {
    const params: unknown[] = [id, [...new Set(labels)].sort()];
    const result = await this.pool.query(
      `UPDATE recordings r SET labels = $2 WHERE r.id = $1 AND ${visibleTo(viewer, params)}`,
      params,
    );
    return (result.rowCount ?? 0) > 0;
  }

  async setLegalHold(id: string, hold: boolean, reason: string): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE recordings SET legal_hold = $2, legal_hold_reason = $3 WHERE id = $1',
      [id, hold, reason],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Every stored object of a recording (voice, screen, thumbnails) and whether it is held. */
  async objectsOf(id: string): Promise<{ legalHold: boolean; paths: string[] } | undefined> {
    const recording = await this.pool.query<{ legal_hold: boolean }>(
      'SELECT legal_hold FROM recordings WHERE id = $1',
      [id],
    );
    const row = recording.rows[0];
    if (!row) return undefined;
    const objects = await this.pool.query<{ path: string }>(
      `SELECT storage_path AS path FROM media_files WHERE recording_id = $1
       UNION ALL SELECT storage_path FROM screen_recordings WHERE recording_id = $1
       UNION ALL SELECT thumbnail_storage_path FROM screen_recordings
         WHERE recording_id = $1 AND thumbnail_storage_path IS NOT NULL`,
      [id],
    );
    return { legalHold: row.legal_hold, paths: objects.rows.map((o) => o.path) };
  }

  /** Removes the recording's metadata, unless it is under legal hold (checked in the same statement). */
  async deleteUnlessHeld(id: string): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      const held = await client.query<{ legal_hold: boolean }>(
        'SELECT legal_hold FROM recordings WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (!held.rows[0] || held.rows[0].legal_hold) return false;
      await client.query('DELETE FROM media_files WHERE recording_id = $1', [id]);
      await client.query('DELETE FROM screen_recordings WHERE recording_id = $1', [id]);
      await client.query('UPDATE screen_uploads SET recording_id = NULL WHERE recording_id = $1', [id]);
      // The ladder carries the call's numbers too: it goes with the call's last recording.
      await client.query(
        `DELETE FROM call_ladders l WHERE l.conn_id = (SELECT conn_id FROM recordings WHERE id = $1)
           AND NOT EXISTS (SELECT 1 FROM recordings o WHERE o.conn_id = l.conn_id AND o.id <> $1)`,
        [id],
      );
      await client.query('DELETE FROM recordings WHERE id = $1', [id]);
      return true;
    });
  }

  /**
   * Recordings a retention rule matches now: older than its age, with one of its include labels
   * (any, when it has none) and none of its exclude labels. Held ones are counted, not listed.
   */
  async retentionCandidates(
    rule: { name: string; maxAgeDays: number; includeLabels: string[]; excludeLabels: string[] },
    limit: number,
  ): Promise<{ candidates: Array<{ id: string; startTime: string }>; held: number }> {
    const matches = `start_time < now() - make_interval(days => $1)
          AND (cardinality($2::text[]) = 0 OR labels && $2::text[])
          AND NOT (labels && $3::text[])`;
    const params = [rule.maxAgeDays, rule.includeLabels, rule.excludeLabels];
    const [candidates, held] = await Promise.all([
      this.pool.query<{ id: string; start_time: Date }>(
        `SELECT id, start_time FROM recordings WHERE ${matches} AND NOT legal_hold ORDER BY start_time LIMIT $4`,
        [...params, limit],
      ),
      this.pool.query<{ count: string }>(`SELECT count(*) FROM recordings WHERE ${matches} AND legal_hold`, params),
    ]);
    return {
      candidates: candidates.rows.map((r) => ({ id: r.id, startTime: r.start_time.toISOString() })),
      held: Number(held.rows[0]?.count ?? 0),
    };
  }

  /** The header of a recording regardless of viewer: for the pipeline, never for the API. */
  async header(id: string): Promise<RecordingHeader | undefined> {
    const result = await this.pool.query<RecordingRow>('SELECT * FROM recordings WHERE id = $1', [id]);
    const row = result.rows[0];
    return row ? toHeader(row) : undefined;
  }

  private async withMedia(rows: RecordingRow[]): Promise<Recording[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [media, screens, analytics] = await Promise.all([
      this.pool.query<{
        recording_id: string;
        media_id: string;
        type: string;
        start_time: Date;
        stop_time: Date;
        duration_ms: number;
        size: string;
        ivr_profile: string;
        parameters: MediaFile['parameters'];
        pauses: MediaFile['pauses'];
        interrupted: MediaFile['interrupted'] | null;
      }>('SELECT * FROM media_files WHERE recording_id = ANY($1) ORDER BY start_time, media_id', [ids]),
      this.pool.query<{
        recording_id: string;
        media_id: string;
        type: string;
        start_time: Date;
        duration_ms: number;
        size: string;
        thumbnail_media_id: string | null;
        interrupted: 'crash' | 'disk_full' | null;
      }>(
        `SELECT s.*, u.interrupted FROM screen_recordings s LEFT JOIN screen_uploads u USING (upload_id)
          WHERE s.recording_id = ANY($1) ORDER BY s.start_time, s.media_id`,
        [ids],
      ),
      this.pool.query<AnalyticsRow>('SELECT * FROM recording_analytics WHERE recording_id = ANY($1)', [ids]),
    ]);
    return rows.map((row) => {
      const header = toHeader(row);
      const mediaFiles: MediaFile[] = media.rows
        .filter((m) => m.recording_id === row.id)
        .map((m) => ({
          mediaId: m.media_id,
          type: m.type,
          callUUID: row.call_uuid,
          startTime: m.start_time.toISOString(),
          stopTime: m.stop_time.toISOString(),
          duration: m.duration_ms,
          size: Number(m.size),
          ivrprofile: m.ivr_profile,
          parameters: m.parameters,
          pauses: m.pauses,
          ...(m.interrupted ? { interrupted: m.interrupted } : {}),
        }));
      const screenRecordings: ScreenRecording[] = screens.rows
        .filter((s) => s.recording_id === row.id)
        .map((s) => ({
          mediaId: s.media_id,
          type: s.type,
          startTime: s.start_time.toISOString(),
          duration: s.duration_ms,
          size: Number(s.size),
          ...(s.thumbnail_media_id ? { thumbnail: s.thumbnail_media_id } : {}),
          ...(s.interrupted ? { interrupted: s.interrupted } : {}),
        }));
      return {
        id: header.id,
        origin: header.origin,
        connId: header.connId,
        callUuid: header.callUuid,
        callerPhoneNumber: header.callerPhoneNumber,
        dialedPhoneNumber: header.dialedPhoneNumber,
        ...(header.agentId ? { agentId: header.agentId } : {}),
        recordDN: header.recordDN,
        ...(header.group ? { group: header.group } : {}),
        startTime: header.startTime,
        stopTime: header.stopTime,
        mediaFiles,
        screenRecordings,
        eventHistory: header.eventHistory,
        attachedData: header.attachedData,
        parties: header.parties,
        labels: row.labels,
        legalHold: row.legal_hold,
        ...analysisOf(
          analytics.rows.find((a) => a.recording_id === row.id),
          row.rfc4733_digits,
        ),
      };
    });
  }
}

interface AnalyticsRow {
  recording_id: string;
  media_id: string;
  agent_talk_ms: number;
  customer_talk_ms: number;
  silence_ms: number;
  overtalk_ms: number;
  longest_silence_ms: number;
  dtmf_digits: number;
  analysed_at: Date;
}

function analysisOf(row: AnalyticsRow | undefined, rfc4733Digits: number): { analytics?: SpeechAnalytics } {
  if (!row) return {};
  return {
    analytics: {
      mediaId: row.media_id,
      agentTalkMs: row.agent_talk_ms,
      customerTalkMs: row.customer_talk_ms,
      silenceMs: row.silence_ms,
      overtalkMs: row.overtalk_ms,
      longestSilenceMs: row.longest_silence_ms,
      dtmfDigits: row.dtmf_digits,
      // Digits sent as RFC 4733 events are not in the audio analytics hears, but were keyed all the same.
      pciLeak: row.dtmf_digits > 0 || rfc4733Digits > 0,
      analysedAt: row.analysed_at.toISOString(),
    },
  };
}

/** Digits a SIPREC session's RFC 4733 events carried (the history's `DTMF` entries of that kind). */
export function rfc4733Digits(eventHistory: CallEvent[]): number {
  return eventHistory.filter((e) => e.event === 'DTMF' && e.detail?.startsWith('RFC 4733')).length;
}

function toHeader(row: RecordingRow): RecordingHeader {
  return {
    id: row.id,
    origin: row.origin,
    connId: row.conn_id,
    callUuid: row.call_uuid,
    callerPhoneNumber: row.caller_phone_number,
    dialedPhoneNumber: row.dialed_phone_number,
    agentId: row.agent_id ?? undefined,
    recordDN: row.record_dn,
    group: row.group_name ?? undefined,
    groups: row.groups,
    agents: row.agents,
    parties: row.parties,
    startTime: row.start_time.toISOString(),
    stopTime: row.stop_time.toISOString(),
    eventHistory: row.event_history,
    attachedData: row.attached_data,
  };
}
