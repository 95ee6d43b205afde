// `npm run bench -- search`: search latency over a million recordings in the embedded PostgreSQL,
// through the same RecordingStore.list the REST API uses. Prints p50/p95 per query; asserts nothing.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordingQuerySchema, type User } from '@vox/shared';
import { openDatabase } from '../src/platform/db/database.ts';
import { RecordingStore } from '../src/recording/recordings/recording-store.ts';
import { silentLogger } from '../src/test-support/test-logger.ts';

const total = Number(process.env.VOX_BENCH_RECORDINGS ?? 1_000_000);
const runs = 40;

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-bench-search-'));
await fs.chmod(dataDir, 0o755);
const database = await openDatabase({ databaseUrl: undefined, dataDir, log: silentLogger });
try {
  const { pool } = database;
  let started = performance.now();
  // Generated inside PostgreSQL: 500 agents in 20 groups, a call every 30 s going back in time,
  // 2% labelled `complaint`, a third with a screen recording, durations up to 10 minutes.
  await pool.query(
    `INSERT INTO recordings (id, conn_id, call_uuid, caller_phone_number, dialed_phone_number, agent_id, record_dn,
       group_name, groups, start_time, stop_time, labels, duration_ms, has_screen)
     SELECT 'rec' || g, lpad(to_hex(g), 16, '0'), md5(g::text),
            '555' || lpad(((g::bigint * 7919) % 10000000)::text, 7, '0'), '800555' || lpad((g % 100)::text, 4, '0'),
            'agent' || (g % 500), '7' || lpad((g % 500)::text, 3, '0'), 'group' || (g % 20), ARRAY['group' || (g % 20)],
            now() - make_interval(secs => g * 30), now() - make_interval(secs => g * 30) + make_interval(secs => g % 600),
            CASE WHEN g % 50 = 7 THEN ARRAY['complaint'] ELSE '{}'::text[] END, (g % 600) * 1000, g % 3 = 0
       FROM generate_series(1, $1::int) g`,
    [total],
  );
  await pool.query('ANALYZE recordings');
  console.log(`inserted and indexed ${total} recordings in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const store = new RecordingStore(pool);
  const admin: User = { id: 'admin', username: 'admin', role: 'admin' };
  const supervisor: User = { id: 'supervisor7', username: 'supervisor7', role: 'supervisor', group: 'group7' };
  const random = (n: number) => Math.floor(Math.random() * n);
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const queries: Array<[string, User, () => Record<string, string>]> = [
    ['newest 50 (admin)', admin, () => ({})],
    ["newest 50 of a supervisor's group", supervisor, () => ({})],
    ['caller prefix 5551*', admin, () => ({ callerPhoneNumber: `555${random(10)}*` })],
    ['caller ends with *4711', admin, () => ({ callerPhoneNumber: `*${1000 + random(9000)}` })],
    ['caller 555*77', admin, () => ({ callerPhoneNumber: `555*${10 + random(90)}` })],
    ['agent', supervisor, () => ({ agent: `agent${random(25) * 20 + 7}` })],
    ['ConnectionID', admin, () => ({ connId: (1 + random(total)).toString(16).padStart(16, '0') })],
    ['one day, 100 days back', admin, () => ({ from: day(101), to: day(100) })],
    ['label complaint', supervisor, () => ({ label: 'complaint' })],
    ['label nobody used', supervisor, () => ({ label: 'no-such-label' })],
    ['longer than 9 minutes', admin, () => ({ minDuration: '540' })],
    ['with screen, in a group', admin, () => ({ hasScreen: 'true', group: `group${random(20)}` })],
    [
      'dialed number, a week',
      supervisor,
      () => ({ dialedPhoneNumber: `800555${String(random(100)).padStart(4, '0')}`, from: day(7) }),
    ],
  ];
  console.log(`\n${'query'.padEnd(36)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'rows'.padStart(6)}`);
  for (const [name, viewer, params] of queries) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const query = recordingQuerySchema.parse(params());
      started = performance.now();
      rows = (await store.list(query, viewer)).recordings.length;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
    console.log(`${name.padEnd(36)} ${at(0.5).padStart(8)} ${at(0.95).padStart(8)} ${String(rows).padStart(6)}`);
  }
} finally {
  await database.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
