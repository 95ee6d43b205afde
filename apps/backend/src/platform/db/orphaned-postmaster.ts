import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

/**
 * Which backend started a cluster's postmaster: written next to the cluster at each start. The
 * postmaster runs in a process group of its own (so a Ctrl-C reaches Vox first), which also means
 * it outlives a backend killed with SIGKILL and keeps the cluster locked. Knowing the backend that
 * started it tells an orphan (its backend is gone) from a cluster another backend is using.
 */
const ownerFileName = 'postmaster-owner.json';

interface ProcessIdentity {
  pid: number;
  /** the kernel's start time of the process (Linux), so a reused PID is not taken for it */
  startTime?: string;
}

export class ClusterInUseError extends Error {}

/** Records this process as the one running the postmaster of the cluster in `clusterHome`. */
export async function recordPostmasterOwner(clusterHome: string): Promise<void> {
  const owner: ProcessIdentity = { pid: process.pid, ...(await startTimeOf(process.pid)) };
  await fs.writeFile(path.join(clusterHome, ownerFileName), `${JSON.stringify(owner)}\n`);
}

/**
 * Before a postmaster starts on `clusterDir`: a postmaster still running there whose backend is
 * gone (a backend killed with SIGKILL, a crashed terminal) is shut down, as PostgreSQL would be
 * by hand (fast shutdown: open transactions roll back, committed data stays). A lock file whose
 * PID now belongs to another program is removed. A postmaster whose backend still runs is left
 * alone: that is a ClusterInUseError.
 */
export async function stopOrphanedPostmaster(clusterDir: string, log: Logger): Promise<void> {
  const lockFile = path.join(clusterDir, 'postmaster.pid');
  const pid = await postmasterPidIn(lockFile);
  if (pid === undefined) return;
  const state = await processState(pid);
  if (state === 'gone') return; // PostgreSQL itself ignores a lock whose process is gone
  const commandLine = state === 'running' ? await commandLineOf(pid) : undefined;
  // PostgreSQL takes a zombie (a dead postmaster nobody reaped) or a PID reused by another program
  // for a live server, and would refuse to start.
  if (state === 'zombie' || (commandLine !== undefined && !commandLine.includes('postgres'))) {
    // The lock also names the old shared memory, which PostgreSQL checks no process still uses:
    // removing it is safe only once the dead postmaster's children have gone too.
    await untilNoProcessRunsIn(clusterDir);
    await fs.rm(lockFile, { force: true });
    log.info(`removed ${lockFile}: its postmaster (pid ${pid}) is gone`);
    return;
  }
  // Some other PostgreSQL (not started by Vox, or unreadable): its own lock check decides.
  if (!commandLine?.includes(path.resolve(clusterDir))) return;
  const owner = await readOwner(path.dirname(clusterDir));
  if (owner && (await stillRunning(owner))) {
    throw new ClusterInUseError(
      `the embedded PostgreSQL of ${clusterDir} (pid ${pid}) belongs to a backend that is still running ` +
        `(pid ${owner.pid}): stop that backend first, or give this one another VOX_DATA_DIR`,
    );
  }
  log.warn(
    `the embedded PostgreSQL (pid ${pid}) was left running by a backend that ended without stopping it` +
      `${owner ? ` (pid ${owner.pid})` : ''}: shutting it down before starting it again`,
  );
  await shutDown(pid);
  if ((await processState(pid)) === 'zombie') {
    await untilNoProcessRunsIn(clusterDir);
    await fs.rm(lockFile, { force: true });
  }
}

/**
 * Waits (30 s at most) until no process works in `clusterDir`: PostgreSQL's server processes run
 * there, and those of a dead postmaster exit on their own once they notice.
 */
async function untilNoProcessRunsIn(clusterDir: string): Promise<void> {
  const cluster = await fs.realpath(clusterDir).catch(() => path.resolve(clusterDir));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const pids = await fs.readdir('/proc').catch(() => []);
    const directories = await Promise.all(
      pids.filter((name) => /^\d+$/.test(name)).map((name) => fs.readlink(`/proc/${name}/cwd`).catch(() => '')),
    );
    if (!directories.includes(cluster)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`processes of an old embedded PostgreSQL still run in ${clusterDir}; stop them and start again`);
}

async function postmasterPidIn(lockFile: string): Promise<number | undefined> {
  const text = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function processState(pid: number): Promise<'running' | 'zombie' | 'gone'> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ? 'zombie' : 'running';
}

/** A process's command line: Vox starts a postmaster with `-D <clusterDir>`, which names its cluster. */
async function commandLineOf(pid: number): Promise<string | undefined> {
  const fromProc = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (fromProc !== undefined) return fromProc.split('\0').join(' ');
  // No /proc (macOS): ask ps.
  return promisify(execFile)('ps', ['-o', 'command=', '-p', String(pid)]).then(
    ({ stdout }) => stdout.trim() || undefined,
    () => undefined,
  );
}

async function startTimeOf(pid: number): Promise<{ startTime: string } | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const startTime = stat
    ?.slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .at(22 - 3);
  return startTime ? { startTime } : undefined;
}

async function readOwner(clusterHome: string): Promise<ProcessIdentity | undefined> {
  const text = await fs.readFile(path.join(clusterHome, ownerFileName), 'utf8').catch(() => undefined);
  try {
    const owner = text ? (JSON.parse(text) as Partial<ProcessIdentity>) : undefined;
    return typeof owner?.pid === 'number'
      ? { pid: owner.pid, ...(owner.startTime ? { startTime: owner.startTime } : {}) }
      : undefined;
  } catch {
    return undefined;
  }
}

async function stillRunning(owner: ProcessIdentity): Promise<boolean> {
  if ((await processState(owner.pid)) !== 'running') return false;
  if (owner.startTime === undefined) return true;
  return (await startTimeOf(owner.pid))?.startTime === owner.startTime;
}

/** Fast shutdown, then immediate shutdown, then SIGKILL, each given time to work. */
async function shutDown(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', 60_000],
    ['SIGQUIT', 10_000],
    ['SIGKILL', 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // gone already
    }
    const deadline = Date.now() + waitMs;
    while ((await processState(pid)) === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if ((await processState(pid)) !== 'running') return;
  }
  throw new Error(`the embedded PostgreSQL left running (pid ${pid}) does not stop, not even with SIGKILL`);
}
