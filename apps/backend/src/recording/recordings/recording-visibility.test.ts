import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaFile } from '@vox/shared';
import { seedDemoTenant } from '../../platform/auth/demo-tenant.ts';
import { hashToken, issueToken } from '../../platform/auth/session-tokens.ts';
import { rowToUser, type UserRow } from '../../platform/auth/user-rows.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { silentLogger } from '../../test-support/test-logger.ts';
import { RecordingStore } from './recording-store.ts';

/**
 * The visibility rule has two SQL forms: `visibleTo` for a user the code already holds, and
 * `visibleToUserRow` for the media reads that check the session in the same query. Both must let
 * every kind of user see exactly the same recordings.
 */
let dataDir: string;
let database: Database;
let store: RecordingStore;

/** recording id -> the agents and groups of the call */
const recordings = {
  sales: { agents: ['agent1'], groups: ['sales'] },
  transferred: { agents: ['agent1', 'agent3', 'agent4'], groups: ['sales', 'support'] },
  ivr: { agents: [], groups: [] },
};

/** username -> the recordings that user may see */
const expected: Record<string, string[]> = {
  admin: ['sales', 'transferred', 'ivr'],
  supervisor1: ['sales', 'transferred'],
  supervisor2: ['transferred'],
  'supervisor-without-group': [],
  agent1: ['sales', 'transferred'],
  agent2: [],
  agent3: ['transferred'],
  agent4: [],
};

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-visibility-'));
  // The embedded database runs as the `postgres` user when tests run as root: it must reach the directory.
  await fs.chmod(dataDir, 0o755);
  database = await openDatabase({ databaseUrl: undefined, dataDir, log: silentLogger });
  const { pool } = database;
  await seedDemoTenant(pool);
  await pool.query(
    `INSERT INTO users (id, username, password_hash, role) VALUES ('supervisor-without-group', 'supervisor-without-group', 'x', 'supervisor')`,
  );
  // agent4 took part in a call but was not given its own recordings; agent2 was, but took part in none.
  await pool.query(`UPDATE users SET own_recordings = true WHERE id IN ('agent1', 'agent3', 'agent2')`);
  store = new RecordingStore(pool);
  const at = '2026-11-30T10:00:00.000Z';
  for (const [id, { agents, groups }] of Object.entries(recordings)) {
    await store.upsertRecording({
      id,
      origin: 'simulation',
      connId: `conn-${id}`,
      callUuid: `uuid-${id}`,
      callerPhoneNumber: '5550100',
      dialedPhoneNumber: '8005550100',
      agentId: agents[0],
      recordDN: '7001',
      group: groups[0],
      groups,
      agents,
      parties: [],
      startTime: at,
      stopTime: at,
      eventHistory: [],
      attachedData: {},
    });
    const media: MediaFile = {
      mediaId: `voice-${id}`,
      type: 'audio/mp3',
      callUUID: `uuid-${id}`,
      startTime: at,
      stopTime: at,
      duration: 0,
      size: 10,
      ivrprofile: 'vox',
      parameters: { connId: `conn-${id}`, ani: '5550100', dnis: '8005550100', recordDN: '7001', dateTime: at },
      pauses: [],
    };
    await store.addMediaFile(id, media, { storagePath: `recordings/${id}.mp3`, sha256: 'x' });
  }
});

afterAll(async () => {
  await database?.close();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('the visibility rule, with the user known and with the user read from its session', () => {
  it.each(Object.keys(expected))('%s sees the same recordings either way', async (username) => {
    const { pool } = database;
    const row = (await pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [username])).rows[0]!;
    const user = rowToUser(row);
    const tokenHash = hashToken(await issueToken(pool, user.id, 60_000));
    const seenWithUser: string[] = [];
    const seenWithSession: string[] = [];
    for (const id of Object.keys(recordings)) {
      if (await store.findMedia(id, `voice-${id}`, user)) seenWithUser.push(id);
      const found = await store.findMediaForSession(tokenHash, id, `voice-${id}`);
      expect(found?.user).toEqual(user);
      if (found?.media) {
        expect(found.media).toEqual({ storagePath: `recordings/${id}.mp3`, type: 'audio/mp3', size: 10 });
        seenWithSession.push(id);
      }
    }
    expect(seenWithUser).toEqual(expected[username]);
    expect(seenWithSession).toEqual(expected[username]);
  });

  it('answers every user its own way when all of them ask at once (one query for all)', async () => {
    const { pool } = database;
    const asks = [];
    for (const username of Object.keys(expected)) {
      const tokenHash = hashToken(await issueToken(pool, username, 60_000));
      for (const id of Object.keys(recordings)) asks.push({ username, id, tokenHash });
    }
    const answers = await Promise.all(asks.map((a) => store.findMediaForSession(a.tokenHash, a.id, `voice-${a.id}`)));
    const seen: Record<string, string[]> = Object.fromEntries(Object.keys(expected).map((u) => [u, []]));
    asks.forEach((a, i) => {
      expect(answers[i]?.user.id).toBe(a.username);
      if (answers[i]?.media) seen[a.username]!.push(a.id);
    });
    expect(seen).toEqual(expected);
  });

  it('finds nothing for a session that expired or never was, and no media under another recording', async () => {
    const { pool } = database;
    const expired = hashToken(await issueToken(pool, 'admin', 60_000));
    await pool.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [expired]);
    expect(await store.findMediaForSession(expired, 'sales', 'voice-sales')).toBeUndefined();
    expect(await store.findMediaForSession(hashToken('not a token'), 'sales', 'voice-sales')).toBeUndefined();
    const admin = hashToken(await issueToken(pool, 'admin', 60_000));
    expect(await store.findMediaForSession(admin, 'sales', 'voice-ivr')).toMatchObject({ media: undefined });
  });
});
