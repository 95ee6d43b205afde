// What the kernel says a process (the backend, its embedded PostgreSQL, a load generator) costs: CPU from
// /proc/<pid>/stat, memory from /proc/<pid>/status and smaps_rollup. The bench reads the backend
// from outside (its own process), so the load generator's CPU is never counted as the backend's.
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: what /proc counts CPU time in, 100 on every Linux the backend runs on. */
const clockTicksPerSecond = 100;
const ticksToMs = (ticks: number) => (ticks * 1000) / clockTicksPerSecond;

interface ProcessStat {
  command: string;
  parent: number;
  /** user + system time of every thread of the process */
  cpuMs: number;
  /** user + system time of its children that ended and were waited for */
  endedChildrenCpuMs: number;
}

function readStat(file: string): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // it has ended
  }
  // The command may hold spaces and parentheses: the fields start after the last ')'.
  const command = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return {
    command,
    parent: field(4),
    cpuMs: ticksToMs(field(14) + field(15)),
    endedChildrenCpuMs: ticksToMs(field(16) + field(17)),
  };
}

/** utime + stime of a process (all its threads), in ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.cpuMs;
}

/** Resident memory and proportional share of it (shared pages divided among their users), in bytes. */
export function processMemory(pid: number): { rss: number; pss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: kb(status, 'VmRSS') * 1024, pss: kb(rollup, 'Pss') * 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time the whole machine spent busy (every process, the kernel's work too), in ms. */
export function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return ticksToMs((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0));
}

/** Every process on the machine, by pid. */
function allProcesses(): Map<number, ProcessStat> {
  const all = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat) all.set(Number(entry), stat);
  }
  return all;
}

/** The processes below `root` (children, their children...), by pid. */
function descendantsOf(root: number, all = allProcesses()): Map<number, ProcessStat> {
  const found = new Map<number, ProcessStat>();
  const visit = (pid: number) => {
    for (const [child, stat] of all) {
      if (stat.parent !== pid || found.has(child)) continue;
      found.set(child, stat);
      visit(child);
    }
  };
  visit(root);
  return found;
}

/** One reading of the backend and its PostgreSQL; CPU figures are totals since they started. */
export interface BackendUsageReading {
  /** every thread of the backend process: main thread, media workers, libuv, GC */
  backendCpuMs: number;
  /** the backend's main thread: HTTP, socket.io, SIP Server, MCP, storage and processor logic */
  mainThreadCpuMs: number;
  /** the postmaster and every process it forked, the ones that ended included */
  postgresCpuMs: number;
  /** the backend's other descendants (ffmpeg, esbuild), the live ones */
  otherChildrenCpuMs: number;
  backendRss: number;
  backendPss: number;
  /** the PostgreSQL processes' proportional memory (their shared buffers counted once) */
  postgresPss: number;
  postgresProcesses: number;
}

/** Reads the backend (by its pid) and the processes it started, from outside. */
export class BackendUsage {
  constructor(readonly backendPid: number) {}

  /** The backend process that the bench started: `node … src/main.ts`, a child of `parentPid`. */
  static findBackendPid(parentPid: number): number {
    for (const [pid] of descendantsOf(parentPid)) {
      let commandLine = '';
      try {
        commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (commandLine.split('\0').includes('src/main.ts')) return pid;
    }
    throw new Error(`no backend process (src/main.ts) below pid ${parentPid}`);
  }

  read(): BackendUsageReading {
    const backend = readStat(`/proc/${this.backendPid}/stat`);
    const mainThread = readStat(`/proc/${this.backendPid}/task/${this.backendPid}/stat`);
    if (!backend || !mainThread) throw new Error(`the backend (pid ${this.backendPid}) has ended`);
    const all = allProcesses();
    const children = descendantsOf(this.backendPid, all);
    const postmasters = [...children].filter(([, s]) => s.parent === this.backendPid && s.command === 'postgres');
    const postgres = new Set<number>();
    for (const [pid] of postmasters) {
      postgres.add(pid);
      for (const [child] of descendantsOf(pid, all)) postgres.add(child);
    }
    let postgresCpuMs = 0;
    let postgresPss = 0;
    let otherChildrenCpuMs = 0;
    for (const [pid, stat] of children) {
      if (!postgres.has(pid)) {
        otherChildrenCpuMs += stat.cpuMs;
        continue;
      }
      // The postmaster waits for the processes it forks: their CPU stays in its "ended children".
      postgresCpuMs += stat.cpuMs + (postmasters.some(([p]) => p === pid) ? stat.endedChildrenCpuMs : 0);
      postgresPss += processMemory(pid)?.pss ?? 0;
    }
    const memory = processMemory(this.backendPid);
    return {
      backendCpuMs: backend.cpuMs,
      mainThreadCpuMs: mainThread.cpuMs,
      postgresCpuMs,
      otherChildrenCpuMs,
      backendRss: memory?.rss ?? 0,
      backendPss: memory?.pss ?? 0,
      postgresPss,
      postgresProcesses: postgres.size,
    };
  }
}
