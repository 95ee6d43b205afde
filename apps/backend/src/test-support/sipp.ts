import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** One run of SIPp (Debian's `sipp` 3.6.1) playing a scenario at a server, as tests drive it. */
export interface SippRun {
  /** path of the scenario XML */
  scenario: string;
  /** host:port of the server */
  target: string;
  transport: 'udp' | 'tcp';
  /** `-key name value`: the scenario's `[name]` */
  keys?: Record<string, string>;
  /** calls to make before SIPp exits (-m); 1 by default */
  calls?: number;
  /** calls started per second (-r) */
  rate?: number;
  /** most calls at once (-l) */
  concurrency?: number;
  /** SIPp is stopped after this long (30 s by default) and its unfinished calls count as failed */
  timeoutMs?: number;
  /** SIPp's SIP port (-p); by default 5060 if free, else any */
  localPort?: number;
  /** the user part of the request URI, `[service]` (-s); `service` by default */
  service?: string;
}

export interface SippResult {
  /** 0 all calls succeeded, 1 some failed, 99 none was made, -1/-2 fatal (SIPp's own codes) */
  exitCode: number;
  successful: number;
  failed: number;
  /** the SIP messages sent and received (-trace_msg) */
  messages: string;
  /** unexpected messages and SIPp's errors (-trace_err, stderr) */
  errors: string;
  stdout: string;
}

const sippCommand = 'sipp';
/** How long SIPp may take past its own -timeout to write its logs and exit. */
const exitGraceMs = 3000;

let installed: boolean | undefined;

/** Whether `sipp` runs here (the `sip-tester` package). */
export const sippInstalled = (): boolean => {
  installed ??= spawnSync(sippCommand, ['-v'], { stdio: 'ignore' }).error === undefined;
  return installed;
};

/**
 * Runs SIPp in a temporary directory until its calls are done or `timeoutMs` runs out. SIPp
 * replays `play_pcap_audio` captures from a raw socket: that takes root or CAP_NET_RAW.
 */
export async function runSipp(run: SippRun): Promise<SippResult> {
  const timeoutMs = run.timeoutMs ?? 30_000;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-sipp-'));
  const files = {
    messages: path.join(dir, 'messages.log'),
    errors: path.join(dir, 'errors.log'),
    stats: path.join(dir, 'stats.csv'),
  };
  const args = [
    run.target,
    '-sf',
    path.resolve(run.scenario),
    '-t',
    run.transport === 'tcp' ? 't1' : 'u1',
    '-m',
    String(run.calls ?? 1),
    '-nostdin',
    // Its own timeout first: SIPp then exits with its statistics and logs written.
    '-timeout',
    `${Math.max(1, Math.floor(timeoutMs / 1000))}s`,
    '-timeout_error',
    '-trace_msg',
    '-message_file',
    files.messages,
    '-trace_err',
    '-error_file',
    files.errors,
    '-trace_stat',
    '-stf',
    files.stats,
    '-fd',
    '1',
  ];
  if (run.rate !== undefined) args.push('-r', String(run.rate));
  if (run.concurrency !== undefined) args.push('-l', String(run.concurrency));
  if (run.localPort !== undefined) args.push('-p', String(run.localPort));
  if (run.service !== undefined) args.push('-s', run.service);
  // SIPp's default local address is the host's primary one, which a server on loopback never sees.
  const localIp = localAddressFor(run.target);
  if (localIp) args.push('-i', localIp);
  // siprec-call.xml offers PCMU unless a test asks for another codec; other scenarios ignore these.
  const keys = { codec: 'PCMU', codec_pt: '0', ...run.keys };
  for (const [name, value] of Object.entries(keys)) args.push('-key', name, value);

  try {
    const { exitCode, stdout, stderr, killed } = await spawnSipp(args, dir, timeoutMs + exitGraceMs);
    const [messages, errors, stats] = await Promise.all(
      [files.messages, files.errors, files.stats].map((file) => fs.readFile(file, 'utf8').catch(() => '')),
    );
    const counts = finalCounts(stats ?? '') ?? screenCounts(stdout);
    const notes = [errors ?? '', stderr];
    if (killed) notes.push(`SIPp killed after ${timeoutMs + exitGraceMs} ms\n`);
    return {
      exitCode,
      successful: counts.successful,
      failed: counts.failed,
      messages: messages ?? '',
      errors: notes.filter(Boolean).join('\n'),
      stdout,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function spawnSipp(
  args: string[],
  cwd: string,
  killAfterMs: number,
): Promise<{ exitCode: number; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(sippCommand, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    // SIPp repaints its statistics screen on stdout every second: keep the latest screens only.
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout = (stdout + text).slice(-200_000);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-200_000);
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr, killed });
    });
  });
}

/** The cumulative counts in the last line of SIPp's statistics file (`;`-separated). */
function finalCounts(csv: string): { successful: number; failed: number } | undefined {
  const lines = csv.split('\n').filter((line) => line.trim());
  if (lines.length < 2) return undefined;
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const successful = Number(values[names.indexOf('SuccessfulCall(C)')]);
  const failed = Number(values[names.indexOf('FailedCall(C)')]);
  return Number.isFinite(successful) && Number.isFinite(failed) ? { successful, failed } : undefined;
}

/** The counts of SIPp's last screen (`Successful call | periodic | cumulative`). */
function screenCounts(stdout: string): { successful: number; failed: number } {
  const last = (label: string): number => {
    const lines = stdout.split('\n').filter((line) => line.trimStart().startsWith(label));
    const cells = lines[lines.length - 1]?.split('|') ?? [];
    return Number.parseInt(cells[cells.length - 1] ?? '', 10) || 0;
  };
  return { successful: last('Successful call'), failed: last('Failed call') };
}

/** 127.0.0.1 for a server on loopback; otherwise SIPp's own choice. */
function localAddressFor(target: string): string | undefined {
  const host = target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.startsWith('127.')) return '127.0.0.1';
  return undefined;
}
