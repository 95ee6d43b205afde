import type pg from 'pg';
import { withTransaction } from './transaction.ts';

/** Schema migrations, applied in order, each once, each in its own transaction. */
const migrations: Array<{ id: string; sql: string }> = [
  {
    id: '001_foundation',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
        dn text UNIQUE,
        group_name text
      );
      CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE TABLE recordings (
        id text PRIMARY KEY,
        conn_id text NOT NULL,
        call_uuid text NOT NULL,
        caller_phone_number text NOT NULL,
        dialed_phone_number text NOT NULL,
        agent_id text,
        record_dn text NOT NULL,
        group_name text,
        start_time timestamptz NOT NULL,
        stop_time timestamptz NOT NULL,
        event_history jsonb NOT NULL DEFAULT '[]',
        attached_data jsonb NOT NULL DEFAULT '{}',
        labels text[] NOT NULL DEFAULT '{}'
      );
      CREATE INDEX recordings_start_time ON recordings (start_time DESC, id DESC);
      CREATE INDEX recordings_conn_id ON recordings (conn_id);
      CREATE INDEX recordings_group_start ON recordings (group_name, start_time DESC);
      CREATE TABLE media_files (
        media_id text PRIMARY KEY,
        recording_id text NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        type text NOT NULL,
        start_time timestamptz NOT NULL,
        stop_time timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        size bigint NOT NULL,
        sha256 text NOT NULL,
        storage_path text NOT NULL,
        ivr_profile text NOT NULL,
        parameters jsonb NOT NULL,
        pauses jsonb NOT NULL DEFAULT '[]'
      );
      CREATE INDEX media_files_recording ON media_files (recording_id);
      CREATE TABLE screen_uploads (
        upload_id text PRIMARY KEY,
        conn_id text NOT NULL,
        recording_id text,
        uploaded_by text NOT NULL REFERENCES users(id),
        started_at timestamptz NOT NULL,
        file_path text NOT NULL,
        state text NOT NULL CHECK (state IN ('waiting_for_voice', 'muxed', 'failed')),
        failure text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX screen_uploads_waiting ON screen_uploads (conn_id) WHERE state = 'waiting_for_voice';
      CREATE TABLE screen_recordings (
        media_id text PRIMARY KEY,
        recording_id text NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        upload_id text NOT NULL UNIQUE REFERENCES screen_uploads(upload_id),
        type text NOT NULL,
        start_time timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        size bigint NOT NULL,
        sha256 text NOT NULL,
        storage_path text NOT NULL,
        thumbnail_media_id text,
        thumbnail_storage_path text
      );
      CREATE INDEX screen_recordings_recording ON screen_recordings (recording_id);
    `,
  },
  {
    id: '002_sip_server_dns',
    sql: `
      CREATE TABLE dns (
        dn text PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('Extension', 'ACDPosition', 'TrunkGroup', 'VoiceTreatmentPort')),
        record boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- A recording can outlive several agents (transfers, conferences): each group that took part sees it.
      ALTER TABLE recordings ADD COLUMN groups text[] NOT NULL DEFAULT '{}';
      UPDATE recordings SET groups = ARRAY[group_name] WHERE group_name IS NOT NULL;
      CREATE INDEX recordings_groups ON recordings USING gin (groups);
    `,
  },
  {
    id: '003_storage_outbox',
    sql: `
      -- Files finished but not yet confirmed by storage, and the metadata to post once they are.
      CREATE TABLE storage_outbox (
        id bigserial PRIMARY KEY,
        object_path text NOT NULL,
        local_file text NOT NULL,
        metadata jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX storage_outbox_due ON storage_outbox (next_attempt_at);
    `,
  },
  {
    id: '004_audit_log',
    sql: `
      -- Hash-chained: each record's hash covers its fields and the previous record's hash.
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        source text NOT NULL,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
    `,
  },
  {
    id: '005_lifecycle',
    sql: `
      ALTER TABLE recordings ADD COLUMN legal_hold boolean NOT NULL DEFAULT false;
      ALTER TABLE recordings ADD COLUMN legal_hold_reason text;
      CREATE INDEX recordings_labels ON recordings USING gin (labels);
      CREATE TABLE retention_rules (
        name text PRIMARY KEY,
        max_age_days integer NOT NULL CHECK (max_age_days > 0),
        include_labels text[] NOT NULL DEFAULT '{}',
        exclude_labels text[] NOT NULL DEFAULT '{}'
      );
    `,
  },
  {
    id: '006_search_indexes',
    sql: `
      -- Wildcard search anywhere in a number ('*0177', '555*77') needs trigrams; a prefix uses the btree.
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX recordings_caller_prefix ON recordings (caller_phone_number text_pattern_ops);
      CREATE INDEX recordings_caller_trgm ON recordings USING gin (caller_phone_number gin_trgm_ops);
      CREATE INDEX recordings_dialed_prefix ON recordings (dialed_phone_number text_pattern_ops);
      CREATE INDEX recordings_dialed_trgm ON recordings USING gin (dialed_phone_number gin_trgm_ops);
      CREATE INDEX recordings_agent_start ON recordings (agent_id, start_time DESC);
      -- Denormalised for search: the voice duration (MP3 files) and whether a screen recording exists.
      ALTER TABLE recordings ADD COLUMN duration_ms integer NOT NULL DEFAULT 0;
      ALTER TABLE recordings ADD COLUMN has_screen boolean NOT NULL DEFAULT false;
      UPDATE recordings r SET duration_ms = COALESCE(
        (SELECT sum(duration_ms) FROM media_files m WHERE m.recording_id = r.id AND m.type = 'audio/mp3'), 0);
      UPDATE recordings r SET has_screen = EXISTS (SELECT 1 FROM screen_recordings s WHERE s.recording_id = r.id);
    `,
  },
  {
    id: '007_speech_analytics',
    sql: `
      CREATE TABLE recording_analytics (
        recording_id text PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,
        media_id text NOT NULL,
        agent_talk_ms integer NOT NULL,
        customer_talk_ms integer NOT NULL,
        silence_ms integer NOT NULL,
        overtalk_ms integer NOT NULL,
        longest_silence_ms integer NOT NULL,
        dtmf_digits integer NOT NULL,
        analysed_at timestamptz NOT NULL DEFAULT now()
      );
      -- Searchable flags, on the recording itself.
      ALTER TABLE recordings ADD COLUMN pci_leak boolean;
      ALTER TABLE recordings ADD COLUMN overtalk_ms integer;
      CREATE INDEX recordings_pci_leak ON recordings (start_time DESC) WHERE pci_leak;
    `,
  },
  {
    id: '008_agents_own_recordings',
    sql: `
      -- The right an admin may give an agent: to see the recordings it took part in.
      ALTER TABLE users ADD COLUMN own_recordings boolean NOT NULL DEFAULT false;
      ALTER TABLE recordings ADD COLUMN agents text[] NOT NULL DEFAULT '{}';
      UPDATE recordings SET agents = ARRAY[agent_id] WHERE agent_id IS NOT NULL;
      CREATE INDEX recordings_agents ON recordings USING gin (agents);
    `,
  },
  {
    id: '009_outbox_kinds',
    sql: `
      -- What a stored file is, so the outbox knows what to do once storage has it.
      ALTER TABLE storage_outbox ADD COLUMN kind text NOT NULL DEFAULT 'voice';
      -- 'storing': muxed, waiting in the outbox for storage.
      ALTER TABLE screen_uploads DROP CONSTRAINT screen_uploads_state_check;
      ALTER TABLE screen_uploads ADD CONSTRAINT screen_uploads_state_check
        CHECK (state IN ('waiting_for_voice', 'storing', 'muxed', 'failed'));
    `,
  },
  {
    id: '010_recording_parties',
    sql: `
      -- Everyone who took part in the call: the caller, agents, IVR ports (from the call details).
      ALTER TABLE recordings ADD COLUMN parties jsonb NOT NULL DEFAULT '[]';
    `,
  },
  {
    id: '011_call_ladders',
    sql: `
      -- The SIP and MSML messages of each recorded call, kept when the call ends: the ladder a
      -- supervisor reads next to the recording, long after the SIP Server has forgotten the call.
      CREATE TABLE call_ladders (
        conn_id text PRIMARY KEY,
        call_uuid text NOT NULL,
        ended_at timestamptz NOT NULL,
        messages jsonb NOT NULL
      );
      -- Search results sorted by duration page through this index as they do by start time.
      CREATE INDEX recordings_duration ON recordings (duration_ms DESC, id DESC);
      -- A supervisor downloads recordings unless an admin took that right away (admins always may).
      ALTER TABLE users ADD COLUMN may_download boolean NOT NULL DEFAULT true;
    `,
  },
  {
    id: '012_screen_upload_interruptions',
    sql: `
      -- A screen recording cut short on the agent's PC (a crash, a full disk) is kept, and says so.
      ALTER TABLE screen_uploads ADD COLUMN interrupted text CHECK (interrupted IN ('crash', 'disk_full'));
    `,
  },
  {
    id: '013_siprec_recordings',
    sql: `
      -- Real calls recorded through SIPREC beside the simulated ones; their RFC 4733 digits are not
      -- in the audio, so the PCI flag counts them apart from what analytics hears.
      ALTER TABLE recordings ADD COLUMN origin text NOT NULL DEFAULT 'simulation' CHECK (origin IN ('simulation', 'siprec'));
      ALTER TABLE recordings ADD COLUMN rfc4733_digits integer NOT NULL DEFAULT 0;
    `,
  },
  {
    id: '014_voice_file_interruptions',
    sql: `
      -- A voice file recovered after the backend or its media worker died, or cut by a full disk.
      ALTER TABLE media_files ADD COLUMN interrupted text CHECK (interrupted IN ('crash', 'media_failure', 'disk_full'));
      -- A file is queued for storage once: queueing it again after a crash finds the row already there.
      DELETE FROM storage_outbox a USING storage_outbox b WHERE a.object_path = b.object_path AND a.id > b.id;
      CREATE UNIQUE INDEX storage_outbox_object ON storage_outbox (object_path);
    `,
  },
  {
    id: '015_backend_nodes_and_job_runs',
    sql: `
      -- The backends sharing this database, each seen every few seconds while it runs.
      CREATE TABLE backend_nodes (
        node_id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now()
      );
      -- Which backend runs which job (pg-boss does not say): a job whose backend stopped being seen
      -- is handed to another at once, not after the job's expiry.
      CREATE TABLE job_runs (
        job_id uuid PRIMARY KEY,
        queue text NOT NULL,
        node_id text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX job_runs_node ON job_runs (node_id);
    `,
  },
  {
    id: '016_call_details',
    sql: `
      -- Each call's details (ICON) as the backend handling it last wrote them: another backend
      -- merges them into a recording it stores, or checks who took part in the call.
      CREATE TABLE call_details (
        conn_id text PRIMARY KEY,
        details jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- An event for the other backends' sockets too large for a NOTIFY payload, for a minute.
      CREATE TABLE cluster_events (
        id bigserial PRIMARY KEY,
        payload jsonb NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

export async function migrate(pool: pg.Pool): Promise<string[]> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const applied: string[] = [];
  for (const migration of migrations) {
    await withTransaction(pool, async (client) => {
      // Serialises concurrent starts against one database.
      await client.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (done.rowCount !== 0) return;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      applied.push(migration.id);
    });
  }
  return applied;
}
