import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { silentLogger } from './test-logger.ts';

/**
 * An embedded PostgreSQL for the tests of one file, in a folder of its own: started before them,
 * stopped and removed after them. Call it at the top of the file; the function it returns gives
 * the running database.
 */
export function embeddedTestDatabase(prefix: string): () => Database {
  let dataDir: string | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    // The embedded database runs as the `postgres` user when tests run as root: it must reach the folder.
    await fs.chmod(dataDir, 0o755);
    database = await openDatabase({ databaseUrl: undefined, dataDir, log: silentLogger });
  });
  afterAll(async () => {
    await database?.close();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!database) throw new Error('the test database is started in beforeAll: use it inside a test');
    return database;
  };
}
