import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { startEmbeddedDatabase } from './embedded-database.ts';
import { migrate } from './migrations.ts';

/** Long enough for a busy pool's queue and a slow network; short enough for a person waiting. */
const connectTimeoutMs = 15_000;

export interface Database {
  pool: pg.Pool;
  /** the connection string in use (the embedded server's when VOX_DATABASE_URL is unset) */
  url: string;
  close(): Promise<void>;
}

/** Connects to `databaseUrl`, or starts the embedded server under the data directory, and migrates. */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL's own lines (debug), and what an operator should know: where the cluster went, and why */
  log: Logger;
}): Promise<Database> {
  const embedded = options.databaseUrl
    ? undefined
    : await startEmbeddedDatabase(path.join(options.dataDir, 'postgres'), options.log);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl ?? embedded?.url,
    max: 10,
    // A server that accepts no connection (a host gone, a firewall dropping packets) fails a
    // request with database_unavailable instead of holding it for the OS's TCP timeout (minutes).
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // An idle client losing its connection (a database restart) must not crash the backend.
  pool.on('error', (error) => options.log.warn(`database connection lost: ${error.message}`));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
  return {
    pool,
    url: options.databaseUrl ?? embedded?.url ?? '',
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
