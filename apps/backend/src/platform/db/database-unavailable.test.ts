import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.ts';
import { findFreePort } from './free-port.ts';
import { silentLogger } from '../../test-support/test-logger.ts';

/**
 * What node-postgres reports when a server (an external VOX_DATABASE_URL as much as the embedded
 * one) restarts, is down or does not answer, produced for real: each must read as unavailable (a
 * 503 to wait out), and a wrong query must not.
 */
let dir: string;
let database: EmbeddedDatabase;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-db-unavailable-'));
  await fs.chmod(dir, 0o755);
  database = await startEmbeddedDatabase(path.join(dir, 'postgres'), silentLogger);
});

afterAll(async () => {
  await database?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

/** Runs `sql` on a fresh connection. */
async function run(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('isDatabaseUnavailable', () => {
  it('is true for a connection refused (the server is down)', async () => {
    const closed = `postgres://vox:x@127.0.0.1:${await findFreePort()}/vox`;
    const error = await failureOf(new pg.Pool({ connectionString: closed }).query('SELECT 1'));
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('is true for a query cut by a restart (57P01, administrator command)', async () => {
    const client = new pg.Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const sleeping = failureOf(client.query('SELECT pg_sleep(30)'));
    await run(`SELECT pg_terminate_backend(${pid})`);
    const error = await sleeping;
    expect(error).toMatchObject({ code: '57P01' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    // The next query on that connection: "Connection terminated" or "not queryable".
    const next = await failureOf(client.query('SELECT 1'));
    expect(isDatabaseUnavailable(next)).toBe(true);
  });

  it('is true for a pool that cannot connect in time (a server that accepts nothing)', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const pool = new pg.Pool({
      connectionString: `postgres://vox:x@127.0.0.1:${port}/vox`,
      connectionTimeoutMillis: 300,
    });
    try {
      const error = await failureOf(pool.query('SELECT 1'));
      expect(String(error)).toMatch(/timeout/);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await pool.end();
      silent.close();
    }
  });

  it('looks through causes, and is false for a wrong query or a constraint', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(new Error('storing the recording failed', { cause: refused }))).toBe(true);
    const syntax = await failureOf(run('SELEC 1'));
    expect(syntax).toMatchObject({ code: '42601' });
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    const duplicate = await failureOf(run('CREATE TEMP TABLE t (n int PRIMARY KEY); INSERT INTO t VALUES (1), (1)'));
    expect(duplicate).toMatchObject({ code: '23505' });
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    expect(isDatabaseUnavailable(new Error('no such recording'))).toBe(false);
  });
});
