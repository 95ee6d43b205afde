// `npm run bench -- playback`: Range reads of a recording as a supervisor's player makes them
// (issue 12), against the floor: a bare node:http server handing out ranges of the same plaintext
// from a plain file, in the same run. A real backend (embedded PostgreSQL, encryption at rest)
// records one call of about 10 s; each reader is a player of its own (a supervisor's login and
// the media ticket it asked for) reading random 4 KiB ranges of the ticket's URL: one reader in
// sequence, then several at once, for a fixed time each.
// The readers run in a child process (as players run on other machines), with keep-alive
// connections to either server alike. Prints reads/s, time to the response headers (p50, p99),
// the server side's CPU per read (this process, the backend or the bare server, with its
// PostgreSQL processes; not the readers'), and the ratio of the floor's reads/s to the backend's.
// Asserts nothing but that every read was right.
//   npm run bench -- playback --seconds=5     shorter phases (10 s by default)
//   npm run bench -- playback --readers=20    more concurrent readers (10 by default)
//   npm run bench -- playback --only=vox      one server only (to profile it: node --cpu-prof)
//   npm run bench -- playback --client=fetch  the readers use fetch (undici, keep-alive) instead of
//                                             node:http with a keep-alive Agent: a heavier client
import { fork } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mediaTicketSchema } from '@vox/shared';
import { parseRange } from '../src/api/http-range.ts';
import { VoxTestBackend } from '../src/test-support/vox-test-backend.ts';

const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const seconds = Number(argument('seconds') ?? 10);
const concurrentReaders = Number(argument('readers') ?? 10);
const only = argument('only');
const clientKind = argument('client') === 'fetch' ? 'fetch' : 'http';
const rangeBytes = 4096;
/** Before each phase: connections opened, code paths warm, caches as a playing player finds them. */
const warmUpSeconds = 1;
const callMs = 10_000;
const clientRole = 'VOX_PLAYBACK_BENCH_CLIENT';

interface Phase {
  /** reader i reads urls[i % urls.length] */
  urls: string[];
  /** the plaintext size: ranges are drawn inside it */
  size: number;
  readers: number;
  seconds: number;
  client: 'http' | 'fetch';
}

interface PhaseResult {
  reads: number;
  seconds: number;
  /** ms from sending the request to the response headers, sorted */
  ttfb: number[];
  failures: string[];
}

/** The readers' side, in the child process: one phase per message from the parent. */
async function readAsPlayers(phase: Phase): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: phase.readers });
  const counted = (result: PhaseResult, measured: boolean, status: number, received: number, ttfb: number) => {
    if (status !== 206 || received !== rangeBytes) result.failures.push(`${status} with ${received} bytes`);
    else if (measured) {
      result.reads++;
      result.ttfb.push(ttfb);
    }
  };
  const readWithHttp = (url: string, range: string, measured: boolean, result: PhaseResult) =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      const request = http.get(url, { agent, headers: { Range: range } });
      request.on('response', (response) => {
        const headersAt = performance.now();
        let received = 0;
        response.on('data', (piece: Buffer) => (received += piece.length));
        response.on('end', () => {
          counted(result, measured, response.statusCode ?? 0, received, headersAt - sent);
          resolve();
        });
      });
      request.on('error', (error) => {
        result.failures.push(error.message);
        resolve();
      });
    });
  const readWithFetch = async (url: string, range: string, measured: boolean, result: PhaseResult) => {
    const sent = performance.now();
    try {
      const response = await fetch(url, { headers: { Range: range } });
      const headersAt = performance.now();
      const body = await response.arrayBuffer();
      counted(result, measured, response.status, body.byteLength, headersAt - sent);
    } catch (error) {
      result.failures.push((error as Error).message);
    }
  };
  const readOnce = (url: string, measured: boolean, result: PhaseResult) => {
    const start = Math.floor(Math.random() * (phase.size - rangeBytes));
    const range = `bytes=${start}-${start + rangeBytes - 1}`;
    return phase.client === 'fetch'
      ? readWithFetch(url, range, measured, result)
      : readWithHttp(url, range, measured, result);
  };
  const run = async (runSeconds: number, measured: boolean, result: PhaseResult) => {
    const until = performance.now() + runSeconds * 1000;
    await Promise.all(
      Array.from({ length: phase.readers }, async (_, i) => {
        const url = phase.urls[i % phase.urls.length]!;
        while (performance.now() < until) await readOnce(url, measured, result);
      }),
    );
  };
  const result: PhaseResult = { reads: 0, seconds: phase.seconds, ttfb: [], failures: [] };
  await run(warmUpSeconds, false, result);
  const started = performance.now();
  await run(phase.seconds, true, result);
  result.seconds = (performance.now() - started) / 1000;
  result.ttfb.sort((a, b) => a - b);
  agent.destroy();
  return result;
}

const clockTicksPerSecond = 100;

/**
 * CPU ms used so far by this process, and by its descendants (the embedded PostgreSQL) but
 * `excluded`. A descendant's time includes that of its children that ended (a PostgreSQL worker
 * that exits is counted by the postmaster), so the total only grows.
 */
async function serverCpuMs(excluded: number | undefined): Promise<{ own: number; descendants: number }> {
  const processes = new Map<number, { parent: number; ticks: number; withEndedChildren: number }>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
      // After the command name in parentheses: state, ppid, ..., utime (14th field), stime, cutime, cstime.
      const fields = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map((field) => Number(field));
      const ticks = fields[11]! + fields[12]!;
      processes.set(Number(entry), { parent: fields[1]!, ticks, withEndedChildren: ticks + fields[13]! + fields[14]! });
    } catch {
      // gone meanwhile
    }
  }
  let descendants = 0;
  const visit = (pid: number) => {
    for (const [child, { parent, withEndedChildren }] of processes) {
      if (parent !== pid || child === excluded) continue;
      descendants += withEndedChildren;
      visit(child);
    }
  };
  visit(process.pid);
  const toMs = (ticks: number) => (ticks * 1000) / clockTicksPerSecond;
  return { own: toMs(processes.get(process.pid)?.ticks ?? 0), descendants: toMs(descendants) };
}

/** The floor: a bare range server over a plain file, as any static file server does it. */
function bareRangeServer(file: string): http.Server {
  return http.createServer((request, response) => {
    void fs.stat(file).then(({ size }) => {
      const range = parseRange(request.headers.range, size);
      if (range === 'unsatisfiable' || range === undefined) {
        response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      response.writeHead(206, {
        'Accept-Ranges': 'bytes',
        'Content-Type': 'audio/mp3',
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
        'Content-Length': range.end - range.start + 1,
      });
      createReadStream(file, range).pipe(response);
    });
  });
}

async function compareWithTheFloor(): Promise<void> {
  const client = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [clientRole]: '1' } });
  const measure = (phase: Phase) =>
    new Promise<PhaseResult & { cpuMsPerRead: number; databaseCpuMsPerRead: number }>((resolve, reject) => {
      void serverCpuMs(client.pid).then((before) => {
        client.once('message', (result: PhaseResult) => {
          serverCpuMs(client.pid).then((after) => {
            // Includes the warm-up reads' CPU: an upper bound, close enough to compare the two servers.
            const perRead = (ms: number) => ms / Math.max(1, result.reads);
            resolve({
              ...result,
              cpuMsPerRead: perRead(after.own - before.own + after.descendants - before.descendants),
              databaseCpuMsPerRead: perRead(after.descendants - before.descendants),
            });
          }, reject);
        });
        client.send(phase);
      }, reject);
    });

  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-bench-playback-'));
  const backend = await VoxTestBackend.start();
  const bare = bareRangeServer(path.join(workDir, 'plaintext'));
  try {
    console.log(`recording one call of ${callMs / 1000} s...`);
    const connId = await backend.recordedCall('5550120', '7001', callMs);
    const [recording] = await backend.recordingsOf(connId);
    const media = recording!.mediaFiles[0]!;
    const plaintext = await backend.media(recording!.id, media.mediaId);
    await fs.writeFile(path.join(workDir, 'plaintext'), plaintext);
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/plaintext`;

    // Each reader is a player of its own: a supervisor's login and the ticket it asked for.
    const mediaPath = `/api/v2/recordings/${recording!.id}/media/${media.mediaId}`;
    const playerUrls = async (players: number) => {
      const urls: string[] = [];
      for (let i = 0; i < players; i++) {
        const { token } = await backend.login('supervisor1');
        const asked = await backend.call('POST', `${mediaPath}/ticket`, { purpose: 'play' }, token);
        if (asked.status !== 201) throw new Error(`the ticket was answered ${asked.status}`);
        urls.push(`${backend.url}${mediaTicketSchema.parse(asked.body).path}`);
      }
      return urls;
    };

    // Both serve the same bytes, or the comparison means nothing.
    for (const [name, url] of [
      ['Vox', (await playerUrls(1))[0]!],
      ['the bare server', bareUrl],
    ] as const) {
      const range = await fetch(url, { headers: { Range: 'bytes=5000-9095' } });
      const body = Buffer.from(await range.arrayBuffer());
      if (range.status !== 206 || !body.equals(plaintext.subarray(5000, 9096))) {
        throw new Error(`${name} did not serve the plaintext's bytes`);
      }
    }
    console.log(
      `${media.type}, ${plaintext.length} bytes; random ${rangeBytes}-byte ranges, ${seconds} s a phase, ` +
        `readers using ${clientKind === 'fetch' ? 'fetch' : 'node:http'}; ${os.availableParallelism()} cores\n`,
    );
    console.log(
      `${'server'.padEnd(12)} ${'readers'.padStart(7)} ${'reads/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU ms/read'.padStart(11)} ${'of it DB'.padStart(8)}`,
    );
    const rates: Record<string, number> = {};
    for (const readers of [1, concurrentReaders]) {
      for (const name of ['vox', 'bare'].filter((n) => only === undefined || n === only)) {
        // Tickets are asked for just before they are used: an unused one expires within a minute.
        const urls = name === 'vox' ? await playerUrls(readers) : [bareUrl];
        const result = await measure({ urls, size: plaintext.length, readers, seconds, client: clientKind });
        if (result.failures.length > 0) {
          throw new Error(`${name}: ${result.failures.length} reads failed, the first: ${result.failures[0]}`);
        }
        const at = (q: number) => result.ttfb[Math.min(result.ttfb.length - 1, Math.floor(q * result.ttfb.length))]!;
        const rate = result.reads / result.seconds;
        rates[`${name}${readers}`] = rate;
        console.log(
          `${name.padEnd(12)} ${String(readers).padStart(7)} ${rate.toFixed(0).padStart(8)} ${at(0.5).toFixed(1).padStart(7)} ${at(0.99).toFixed(1).padStart(7)} ${result.cpuMsPerRead.toFixed(2).padStart(11)} ${result.databaseCpuMsPerRead.toFixed(2).padStart(8)}`,
        );
      }
    }
    for (const readers of only === undefined ? [1, concurrentReaders] : []) {
      const ratio = rates[`bare${readers}`]! / rates[`vox${readers}`]!;
      console.log(`\n${readers} reader(s): the bare server reads ${ratio.toFixed(2)}x as many ranges a second as Vox`);
    }
  } finally {
    client.kill();
    bare.close();
    await backend.stop();
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

if (process.env[clientRole] === '1') {
  process.on('message', (phase: Phase) => {
    void readAsPlayers(phase).then((result) => process.send!(result));
  });
} else {
  await compareWithTheFloor();
}
