import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../test-support/test-logger.ts';
import { postgresBinaries, startEmbeddedDatabase, type PostgresBinaries } from './embedded-database.ts';

/**
 * A checkout in a private folder (mode 0700, as home folders are) with its data directory inside:
 * as root, the server runs as `postgres`, which can enter neither. It must start all the same,
 * with nothing to chmod, and say where it put things.
 */
let privateFolder: string;
let binaries: PostgresBinaries;
const asRoot = os.userInfo().uid === 0;

beforeAll(async () => {
  privateFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-private-checkout-'));
  await fs.chmod(privateFolder, 0o700);
  // The package's binaries as a private checkout holds them.
  const installed = await postgresBinaries();
  const nativeDir = path.dirname(path.dirname(installed.postgres));
  const copy = path.join(privateFolder, 'node_modules', 'native');
  await fs.cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
  binaries = {
    initdb: path.join(copy, path.relative(nativeDir, installed.initdb)),
    postgres: path.join(copy, path.relative(nativeDir, installed.postgres)),
  };
});

afterAll(async () => {
  await fs.rm(privateFolder, { recursive: true, force: true });
});

describe('the embedded PostgreSQL in a private folder', () => {
  it('starts, keeps its data across restarts, and says where its cluster and binaries are', async () => {
    const dataDir = path.join(privateFolder, '.vox-data', 'postgres');
    const { log, records } = capturingLogger();
    const first = await startEmbeddedDatabase(dataDir, log, binaries);
    try {
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
      await client.end();
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedDatabase(dataDir, log, binaries);
    try {
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      expect((await client.query<{ n: number }>('SELECT n FROM kept')).rows).toEqual([{ n: 42 }]);
      await client.end();
    } finally {
      await second.stop();
    }
    // What an operator reads: PostgreSQL's own lines are at debug level.
    const notices = records.filter((record) => record.level !== 'debug').map((record) => record.msg);
    if (asRoot) {
      // The postgres user ran a copy of the binaries, and the cluster lives where it can reach it.
      expect(
        notices.some((n) => /runs from a copy of its binaries in \/var\/lib\/vox-embedded-postgres\//.test(n)),
      ).toBe(true);
      const clusterNotice = notices.find((n) => /keeps this data directory's cluster in/.test(n));
      const home = /cluster in (\S+)$/.exec(clusterNotice ?? '')?.[1];
      expect(home).toMatch(/^\/var\/lib\/vox-embedded-postgres\/clusters\//);
      expect((await fs.readFile(path.join(home!, 'data-dir'), 'utf8')).trim()).toBe(path.resolve(dataDir));
      await fs.rm(home!, { recursive: true, force: true });
    } else {
      // A normal user runs the server itself: its own folders are no obstacle.
      expect(notices).toEqual([]);
      await expect(fs.stat(path.join(dataDir, 'cluster', 'PG_VERSION'))).resolves.toBeDefined();
    }
  });
});
