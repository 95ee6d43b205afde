// `npm run bench -- siprec`: concurrent SIPREC calls from SIPp at a real backend (SIP, RTP on the
// media workers, MP3 16 kbit/s stereo encrypted at rest), then the obvious alternative on the same
// calls: one ffmpeg per call receiving both RTP streams and writing the MP3. SIPp places
// VOX_BENCH_CALLS calls over the ramp, each replaying a capture of two PCMU streams (20 ms ptime)
// for VOX_BENCH_SECONDS; the CPU and memory are measured while all of them are up. Prints figures;
// asserts nothing.
//   VOX_BENCH_CALLS=300 npm run bench -- siprec         more calls at once (200 by default)
//   VOX_BENCH_SECONDS=10 VOX_BENCH_CALLS=10 ...         a short run (40 s calls by default)
//   VOX_BENCH_RAMP_SECONDS=5                            calls placed over 5 s (10 s, at most a quarter of a call)
//   VOX_BENCH_FFMPEG=0                                  the recorder alone
//   VOX_BENCH_RECORDER=0                                ffmpeg alone
//   VOX_BENCH_FFMPEG_CALLS=60                           the ffmpeg arm at another concurrency
//   VOX_BENCH_WIRE=0                                    no capture of SIPp's RTP on the wire (dumpcap)
// Placement is read from the files: each stream beeps every second, and the decoded recording
// must have every beep where the sender put it (to 20 ms). The recorder's own "placed within"
// figure is another thing: how late packets arrived against the earliest one, the jitter it
// absorbed, the sender's included; a capture on the loopback measures the sender's part.
// The load generators (SIPp, and the sender of the ffmpeg arm) run at nice -20, as an SBC on its
// own machine sends on time: the recorders share what CPU they leave.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type * as WorkerThreads from 'node:worker_threads';
import { recordingListSchema, type Recording } from '@vox/shared';
import { ffmpegPath } from '../src/platform/media/ffmpeg.ts';
import { machineBusyMs, processCpuMs, processMemory } from './process-usage.ts';
import { readPcapUdp, rtpPcap, tone, type PcapUdpPacket } from '../src/test-support/rtp-pcap.ts';
import { DecodedAudio } from '../src/test-support/decoded-audio.ts';
import { runSipp, sippInstalled } from '../src/test-support/sipp.ts';
import type { VoxTestBackend } from '../src/test-support/vox-test-backend.ts';

const calls = Number(process.env.VOX_BENCH_CALLS ?? 200);
const seconds = Number(process.env.VOX_BENCH_SECONDS ?? 40);
const rampSeconds = Number(process.env.VOX_BENCH_RAMP_SECONDS ?? Math.min(10, seconds / 4));
const runFfmpegArm = process.env.VOX_BENCH_FFMPEG !== '0';
const runRecorderArm = process.env.VOX_BENCH_RECORDER !== '0';
const ffmpegCalls = Number(process.env.VOX_BENCH_FFMPEG_CALLS ?? calls);
const wireCapture = process.env.VOX_BENCH_WIRE !== '0' && existsSync('/usr/bin/dumpcap');
/** After the last call is placed, before measuring: the last INVITEs answered, the first packets in. */
const settleSeconds = 3;
/** The window ends this long before the first call's capture does. */
const tailSeconds = 1;
const windowSeconds = seconds - rampSeconds - settleSeconds - tailSeconds;
// Below the ephemeral ports (32768 and up), away from the ranges the tests use.
const recorderPorts = { first: 20000, last: 21999 };
/** ffmpeg's ports: 4 a call (two RTP streams, each with RTCP on the odd port above). */
const ffmpegFirstPort = 22000;
const customerNumber = '+4930555000';
const agentDn = '7001';
const cores = os.availableParallelism();
/** The placement the issue asks for: audio within 20 ms of where the sender put it. */
const placementTargetMs = 20;
/** A full collection before the baseline: garbage collected during the run would hide the calls' memory. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const scenario = path.join(import.meta.dirname, '../src/telephony/siprec/sipp/siprec-call.xml');

if (windowSeconds < 2) {
  console.error(`VOX_BENCH_SECONDS=${seconds} leaves no time to measure after a ${rampSeconds} s ramp`);
  process.exit(2);
}
if (!sippInstalled()) {
  console.error('sipp is not installed (Debian package sip-tester)');
  process.exit(2);
}
if (calls * 2 > (recorderPorts.last - recorderPorts.first) / 2) {
  console.error(`VOX_BENCH_CALLS=${calls} needs more RTP ports than ${recorderPorts.first}-${recorderPorts.last}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The media workers' load reports (every second: how late their 20 ms clock ran, how long they
// were busy), which the backend keeps to itself: the bench listens to its workers' messages too.

const workerLoad = { maxLateMs: 0, busyMs: 0 };
{
  const threads = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
  const { Worker } = threads;
  threads.Worker = class extends Worker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      this.on('message', (message: { type?: string; maxLateMs?: number; busyMs?: number }) => {
        if (message?.type !== 'load') return;
        workerLoad.maxLateMs = Math.max(workerLoad.maxLateMs, message.maxLateMs ?? 0);
        workerLoad.busyMs += message.busyMs ?? 0;
      });
    }
  };
  syncBuiltinESMExports();
}
const { VoxTestBackend: Backend } = await import('../src/test-support/vox-test-backend.ts');

// ---------------------------------------------------------------------------------------------
// What the kernel says about processes and sockets.

/**
 * The load generators go before the recorders, as an SBC on its own machine would send on time
 * whatever the recorder's machine is doing. -20: the sender of the ffmpeg arm is one thread among
 * hundreds of ffmpeg processes, and at -10 their weight still starved it for seconds.
 */
const loadGeneratorNice = -20;

/** Every thread of a process at the load generators' priority. */
function ahead(pid: number): void {
  let threads: string[] = [];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return; // it has exited
  }
  for (const thread of threads) {
    try {
      if (os.getPriority(Number(thread)) !== loadGeneratorNice) os.setPriority(Number(thread), loadGeneratorNice);
    } catch {
      // a call's replay thread that has just ended
    }
  }
}

/** Our children of that name (SIPp is started by runSipp, which does not say its pid). */
function childPids(command: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.split(') ')[1]!.split(' ')[1]);
        return ppid === process.pid && stat.includes(`(${command})`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Datagrams the kernel dropped on UDP sockets bound to ports in the range (their receive buffer
 * was full: the receiver did not read fast enough), per socket, from /proc/net/udp.
 */
class UdpDropCounter {
  private readonly drops = new Map<string, number>();

  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {}

  sample(): void {
    const lines = readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 13) continue;
      const port = Number.parseInt(fields[1]!.split(':')[1]!, 16);
      if (port < this.first || port > this.last) continue;
      // A socket is its inode: a port reused by a later call is another socket.
      this.drops.set(`${port}/${fields[9]}`, Number(fields[12]));
    }
  }

  get total(): number {
    return [...this.drops.values()].reduce((sum, n) => sum + n, 0);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

// ---------------------------------------------------------------------------------------------
// The calls: two PCMU streams, the customer at 440 Hz and the agent at 660 Hz, each sounding all
// along with a loud 100 ms beep every second (the customer's at .25 s, the agent's at .75 s).
// Where the beeps are in a recorded file says where its audio was placed.

const beepEveryMs = 1000;
const beepMs = 100;
const beepAtMs = { customer: 250, agent: 750 };

function beeping(frequencyHz: number, firstBeepMs: number): Int16Array {
  const quiet = tone(frequencyHz, seconds * 1000, 0.05);
  const loud = tone(frequencyHz, seconds * 1000, 0.5);
  for (let beep = firstBeepMs; beep + beepMs <= seconds * 1000; beep += beepEveryMs) {
    quiet.set(loud.subarray((beep * 8000) / 1000, ((beep + beepMs) * 8000) / 1000), (beep * 8000) / 1000);
  }
  return quiet;
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-bench-siprec-'));
const pcapFile = path.join(dir, 'call.pcap');
const pcap = rtpPcap([
  { audio: beeping(440, beepAtMs.customer), codec: 'PCMU', dstPort: 6000 },
  { audio: beeping(660, beepAtMs.agent), codec: 'PCMU', dstPort: 6002 },
]);
await fs.writeFile(pcapFile, pcap);
const capturePackets = readPcapUdp(pcap);
const packetsPerCall = capturePackets.length;

interface ArmFigures {
  /** CPU of the recorder (ms) over the window */
  cpuMs: number;
  windowMs: number;
  /** memory the recorder took for the calls (bytes) */
  rss: number;
  pss?: number;
  /** the load generator's CPU (ms) over the window */
  loadCpuMs: number;
  calls: number;
  /** every call recorded whole and in place, with the CPU to spare */
  holds: boolean;
}

interface AudioPlacement {
  /** beeps heard, and how many the sender sent, both channels together */
  found: number;
  expected: number;
  /** the farthest a beep was from its place, against the channel's own grid of one a second */
  withinChannelMs: number;
  /** how far the agent's grid is from 500 ms after the customer's */
  acrossChannelsMs: number;
}

/**
 * A beep starts only after this much quiet: at 8 kbit/s a channel the MP3 smears a tone's energy
 * over the rest of its 72 ms frame, and that echo, tens of ms after the beep, is not a second beep.
 */
const quietBeforeBeepMs = 300;

/** Where each beep starts in one channel of a decoded file, in ms. */
function beepOnsets(audio: DecodedAudio, channel: number): number[] {
  const onsets: number[] = [];
  let quietSince = -quietBeforeBeepMs;
  let loud = false;
  for (let at = 0; at + 5 <= audio.durationMs; at += 1) {
    const level = audio.rms(channel, at, at + 5);
    if (!loud && level > 0.15) {
      if (at - quietSince >= quietBeforeBeepMs) onsets.push(at);
      loud = true;
    } else if (loud && level < 0.1) {
      loud = false;
      quietSince = at;
    }
  }
  return onsets;
}

/** `ms` brought into -500..500, a distance on the one-second grid. */
const onGrid = (ms: number) => ms - Math.round(ms / beepEveryMs) * beepEveryMs;

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

/**
 * How far a file's audio moved from where the sender put it. A channel's beeps should sit on a
 * one-second grid (its phase: where most of them are); each is measured against it, and the
 * agent's grid against 500 ms after the customer's. A re-anchored timeline moves the beeps after
 * it; lost or overwritten audio loses some.
 */
function audioPlacement(audio: DecodedAudio): AudioPlacement {
  const channel = (index: number) => {
    const onsets = beepOnsets(audio, index);
    const phase = median(onsets.map(onGrid));
    return { onsets, phase, worst: Math.max(0, ...onsets.map((at) => Math.abs(onGrid(at - phase)))) };
  };
  // Stereo files put the agent left and the customer right.
  const agent = channel(0);
  const customer = channel(1);
  const beepsOf = (firstMs: number) => Math.floor((seconds * 1000 - firstMs - beepMs) / beepEveryMs) + 1;
  return {
    found: agent.onsets.length + customer.onsets.length,
    expected: beepsOf(beepAtMs.agent) + beepsOf(beepAtMs.customer),
    withinChannelMs: Math.max(agent.worst, customer.worst),
    acrossChannelsMs: Math.abs(onGrid(agent.phase - customer.phase - (beepAtMs.agent - beepAtMs.customer))),
  };
}

const inPlace = (p: AudioPlacement | undefined) =>
  p !== undefined && p.found === p.expected && Math.max(p.withinChannelMs, p.acrossChannelsMs) <= placementTargetMs;

/** `n of m files with every beep within 20 ms of its place; beeps heard x of y; worst z ms ...` */
function audioPlacementSummary(placements: Array<AudioPlacement | undefined>): string {
  const measured = placements.filter((p) => p !== undefined);
  if (measured.length === 0) return 'no file could be decoded';
  const found = measured.reduce((n, p) => n + p.found, 0);
  const expected = measured.reduce((n, p) => n + p.expected, 0);
  return (
    `${placements.filter(inPlace).length} of ${placements.length} files with every beep within ` +
    `${placementTargetMs} ms of its place; ${found} of ${expected} beeps heard; worst ` +
    `${Math.max(...measured.map((p) => p.withinChannelMs))} ms in a channel, ` +
    `${Math.max(...measured.map((p) => p.acrossChannelsMs))} ms between the channels`
  );
}

/** Runs `work` over the items, `parallel` at a time. */
async function eachLimited<T, R>(items: T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------
// The RTP on the wire: dumpcap on the loopback, to the recorder's ports.

/** Starts capturing the RTP to the recorder's ports; stop() leaves a libpcap file, headers only. */
async function captureWire(file: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(
    '/usr/bin/dumpcap',
    [
      '-q',
      '-P',
      '-i',
      'lo',
      '-s',
      '64',
      '-B',
      '64',
      '-f',
      `udp dst portrange ${recorderPorts.first}-${recorderPorts.last}`,
      '-w',
      file,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // dumpcap says nothing with -q until it fails; the file appears once it captures.
  for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(100);
  if (!existsSync(file)) throw new Error(`dumpcap did not start: ${stderr}`);
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await closed;
    },
  };
}

/**
 * Per stream of the bench's capture (its two SSRCs) to each port, the most a packet went out
 * later than its timestamp says, against the stream's earliest packet: the sender's part of the
 * recorder's "placed within".
 */
function wireJitterMs(file: string): { packets: number; worstMs: number[] } {
  const ssrcs = new Set(capturePackets.map((p) => p.rtp.readUInt32BE(8)));
  const streams = new Map<string, { minLateness: number; worst: number }>();
  let packets = 0;
  for (const packet of readPcapUdp(readFileSync(file))) {
    if (packet.rtp.length < 12 || !ssrcs.has(packet.rtp.readUInt32BE(8))) continue;
    packets++;
    const key = `${packet.dstPort}/${packet.rtp.readUInt32BE(8)}`;
    const lateness = packet.timeUs / 1000 - packet.rtp.readUInt32BE(4) / 8;
    const stream = streams.get(key) ?? { minLateness: lateness, worst: 0 };
    stream.minLateness = Math.min(stream.minLateness, lateness);
    stream.worst = Math.max(stream.worst, lateness - stream.minLateness);
    streams.set(key, stream);
  }
  return { packets, worstMs: [...streams.values()].map((s) => s.worst) };
}

/** `n of m streams within 20 ms; median x ms, worst y ms` */
function jitterSummary(values: number[]): string {
  if (values.length === 0) return 'not reported';
  const within = values.filter((ms) => ms <= placementTargetMs).length;
  return (
    `${within} of ${values.length} streams within ${placementTargetMs} ms; ` +
    `median ${median(values).toFixed(0)} ms, worst ${Math.max(...values).toFixed(0)} ms`
  );
}

// ---------------------------------------------------------------------------------------------
// Vox: SIPp places the calls at a real backend.

interface StreamLine {
  packets: number;
  lost: number;
  late: number;
  placedWithinMs: number | undefined;
}

/** `PCMU 2000 packets, 0 lost, 0 late, placed within 3 ms from 127.0.0.1:6002` */
function parseStreamLine(line: string | undefined): StreamLine | undefined {
  const match = /(\d+) packets, (\d+) lost, (\d+) late(?:, placed within (\d+) ms)?/.exec(line ?? '');
  if (!match) return undefined;
  return {
    packets: Number(match[1]),
    lost: Number(match[2]),
    late: Number(match[3]),
    placedWithinMs: match[4] === undefined ? undefined : Number(match[4]),
  };
}

async function siprecRecordings(vox: VoxTestBackend, expected: number, timeoutMs: number): Promise<Recording[]> {
  const token = await vox.token('admin');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found: Recording[] = [];
    let cursor: string | null = null;
    do {
      const query = `callerPhoneNumber=${encodeURIComponent(customerNumber)}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await vox.call('GET', `/api/v2/recordings?${query}`, undefined, token);
      const page = recordingListSchema.parse(body);
      found.push(...page.recordings.filter((r) => r.origin === 'siprec' && r.mediaFiles.length > 0));
      cursor = page.nextCursor;
    } while (cursor);
    if (found.length >= expected || Date.now() > deadline) return found;
    await sleep(500);
  }
}

async function recorderArm(): Promise<ArmFigures> {
  const vox = await Backend.start({
    VOX_RTP_PORTS: `${recorderPorts.first}-${recorderPorts.last}`,
    VOX_RECORDING_FORMAT: 'mp3-16k-stereo',
  });
  try {
    await vox.token('admin');
    await sleep(1000);
    // What the backend costs with no call: at a few calls it is most of the CPU per call.
    const idleBefore = process.cpuUsage();
    const idleFrom = performance.now();
    await sleep(3000);
    const idle = process.cpuUsage(idleBefore);
    const idlePercent = ((idle.user + idle.system) / 1000 / (performance.now() - idleFrom)) * 100;
    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    const drops = new UdpDropCounter(recorderPorts.first, recorderPorts.last);
    const wireFile = path.join(dir, 'wire.pcap');
    const wire = wireCapture ? await captureWire(wireFile) : undefined;
    const startedAt = performance.now();
    const sipp = runSipp({
      scenario,
      target: `127.0.0.1:${vox.vox.sipPort}`,
      transport: 'udp',
      calls,
      concurrency: calls,
      rate: calls / rampSeconds,
      timeoutMs: (seconds + rampSeconds + 30) * 1000,
      keys: {
        customer_number: customerNumber,
        agent_dn: agentDn,
        pcap: pcapFile,
        talk_ms: String(seconds * 1000 + 500),
      },
    });
    let sippPid: number | undefined;
    for (let i = 0; i < 100 && sippPid === undefined; i++) {
      await sleep(10);
      sippPid = childPids('sipp')[0];
    }
    // Again through the ramp: SIPp starts a thread for each call's replay, at its own priority.
    while (sippPid !== undefined && performance.now() - startedAt < (rampSeconds + 1) * 1000) {
      ahead(sippPid);
      await sleep(200);
    }

    await sleep(startedAt + (rampSeconds + settleSeconds) * 1000 - performance.now());
    const cpuBefore = process.cpuUsage();
    const machineBefore = machineBusyMs();
    workerLoad.maxLateMs = 0;
    workerLoad.busyMs = 0;
    const sippBefore = (sippPid && processCpuMs(sippPid)) || 0;
    const wireBefore = (wire && processCpuMs(wire.pid)) || 0;
    const windowStart = performance.now();
    let maxRss = 0;
    while (performance.now() - windowStart < windowSeconds * 1000) {
      await sleep(1000);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      drops.sample();
    }
    const cpu = process.cpuUsage(cpuBefore);
    const machineMs = machineBusyMs() - machineBefore;
    const windowMs = performance.now() - windowStart;
    const workers = { ...workerLoad };
    const sippCpuMs = ((sippPid && processCpuMs(sippPid)) || 0) - sippBefore;
    const wireCpuMs = ((wire && processCpuMs(wire.pid)) || 0) - wireBefore;
    // The sockets close as the calls end: their last counts are read before.
    const sampler = setInterval(() => drops.sample(), 500);
    const sippResult = await sipp;
    clearInterval(sampler);
    await wire?.stop();
    const onWire = wire ? wireJitterMs(wireFile) : undefined;

    const recordings = await siprecRecordings(vox, sippResult.successful, 60_000);
    const streams = recordings.flatMap((r) =>
      ['customer', 'agent'].map((side) => parseStreamLine(r.attachedData[`siprec.${side}.rtp`])),
    );
    const parsed = streams.filter((s): s is StreamLine => s !== undefined);
    const sum = (pick: (s: StreamLine) => number) => parsed.reduce((n, s) => n + pick(s), 0);
    const received = sum((s) => s.packets);
    const lost = sum((s) => s.lost);
    const late = sum((s) => s.late);
    const placements = parsed.map((s) => s.placedWithinMs).filter((ms): ms is number => ms !== undefined);
    const audioPlacements = await eachLimited(recordings, 2, async (recording) => {
      const mp3 = recording.mediaFiles.find((m) => m.type === 'audio/mp3');
      if (!mp3) return undefined;
      const audio = await DecodedAudio.fromBytes(await vox.media(recording.id, mp3.mediaId), 'mp3', 16_000, 2);
      const placement = audioPlacement(audio);
      if (process.env.VOX_BENCH_DETAIL === '1' && !inPlace(placement)) {
        for (const index of [0, 1]) {
          const onsets = beepOnsets(audio, index);
          console.log(
            `  ${recording.id} ch${index}: ${onsets.map((at) => `${Math.round(at / 1000)}:${onGrid(at)}`).join(' ')}`,
          );
        }
        console.log(
          `    ${recording.attachedData['siprec.customer.rtp']} | ${recording.attachedData['siprec.agent.rtp']}`,
        );
      }
      return placement;
    });
    const audioPlaced = audioPlacements.every(inPlace);
    const sent = sippResult.successful * packetsPerCall;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const rss = maxRss - rssBefore;
    const holds =
      sippResult.successful === calls &&
      recordings.length === calls &&
      parsed.length === 2 * calls &&
      received === sent &&
      lost === 0 &&
      late === 0 &&
      drops.total === 0 &&
      audioPlaced;

    console.log(
      `\nVox recorder (SIPp ${sippResult.successful} ok, ${sippResult.failed} failed; exit ${sippResult.exitCode})`,
    );
    if (sippResult.failed > 0)
      console.log(`  SIPp errors: ${sippResult.errors.trim().split('\n').slice(-5).join(' | ')}`);
    console.log(
      `  calls completed          ${sippResult.successful} of ${calls}; ${recordings.length} recordings stored`,
    );
    console.log(
      `  RTP packets sent         ${sent} (${packetsPerCall} a call, two streams)` +
        (onWire ? `; ${onWire.packets} seen on the wire` : ''),
    );
    console.log(`  RTP packets received     ${received} in ${parsed.length} streams; ${lost} lost, ${late} late`);
    console.log(`  kernel drops at Vox      ${drops.total} (receive buffers full)`);
    console.log(`  audio placement          ${audioPlacementSummary(audioPlacements)}`);
    console.log(`  arrival jitter at Vox    ${jitterSummary(placements)} (the recorder's "placed within")`);
    if (onWire) console.log(`  SIPp's own, on the wire  ${jitterSummary(onWire.worstMs)}`);
    console.log(
      `  Vox CPU                  ${((cpuMs / windowMs) * 100).toFixed(0)}% of one core (${cores} cores); ` +
        `${((cpuMs / windowMs / calls) * 1000).toFixed(2)} ms per call-second`,
    );
    console.log(
      `  media workers            clock up to ${workers.maxLateMs} ms late; ` +
        `busy rendering ${((workers.busyMs / windowMs) * 100).toFixed(0)}% of one core (all workers)`,
    );
    console.log(`  Vox idle CPU             ${idlePercent.toFixed(1)}% of one core before the calls (included above)`);
    // The process's memory moves by tens of MB with its garbage collections: a few calls' share is lost in it.
    console.log(
      `  Vox RSS                  ${rss > 0 ? '+' : ''}${mb(rss)} MB for ${calls} calls: ` +
        (rss > 0 ? `${mb(rss / calls)} MB a call` : 'less than the process moves by itself'),
    );
    console.log(`  SIPp (load) CPU          ${((sippCpuMs / windowMs) * 100).toFixed(0)}% of one core`);
    if (wire) console.log(`  dumpcap CPU              ${((wireCpuMs / windowMs) * 100).toFixed(0)}% of one core`);
    const othersMs = machineMs - cpuMs - sippCpuMs - wireCpuMs;
    console.log(
      `  the machine              ${((machineMs / windowMs) * 100).toFixed(0)}% busy of ${cores * 100}%; ` +
        `other processes ${((Math.max(0, othersMs) / windowMs) * 100).toFixed(0)}%`,
    );
    console.log(
      `  held                     ${holds ? 'yes' : 'no'} (every packet recorded, every beep within ${placementTargetMs} ms)`,
    );
    return { cpuMs, windowMs, rss, loadCpuMs: sippCpuMs, calls, holds };
  } finally {
    await vox.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// ffmpeg per call: an SDP of two PCMU streams in, amerge to stereo, MP3 16 kbit/s 16 kHz out.

function callSdp(port: number): string {
  const stream = (p: number) => [`m=audio ${p} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=recvonly'];
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=call',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    ...stream(port),
    ...stream(port + 2),
    '',
  ].join('\r\n');
}

/**
 * Sends each call's two streams as SIPp replays the capture (the lowest destination port to the
 * call's first port, the other at its offset), from the call's start, on a 5 ms tick.
 */
class RtpReplay {
  private readonly socket = dgram.createSocket('udp4');
  private readonly active: Array<{ port: number; startMs: number; next: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly basePort = Math.min(...capturePackets.map((p) => p.dstPort));
  sent = 0;
  /** the most its 5 ms tick came late: the sender's own jitter */
  maxLateMs = 0;
  private lastTick = performance.now();

  constructor(private readonly packets: PcapUdpPacket[]) {
    this.timer = setInterval(() => this.tick(), 5);
  }

  add(port: number): void {
    this.active.push({ port, startMs: performance.now(), next: 0 });
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.close();
  }

  private tick(): void {
    const now = performance.now();
    if (this.active.length > 0) this.maxLateMs = Math.max(this.maxLateMs, now - this.lastTick - 5);
    this.lastTick = now;
    for (const call of this.active) {
      while (call.next < this.packets.length && this.packets[call.next]!.timeUs / 1000 <= now - call.startMs) {
        const packet = this.packets[call.next++]!;
        this.socket.send(packet.rtp, call.port + packet.dstPort - this.basePort, '127.0.0.1');
        this.sent++;
      }
    }
  }
}

/** One ffmpeg recording a call: its CPU as last read (it stays counted once the process is gone). */
interface FfmpegCall {
  child: ChildProcess;
  cpuMs: number;
  stderr: string;
  stopping: boolean;
  /** it ended before it was told to: why, in its own words */
  endedEarly?: string;
  exited: Promise<void>;
}

async function ffmpegArm(binary: string, label: string): Promise<ArmFigures> {
  const armDir = await fs.mkdtemp(path.join(dir, 'ffmpeg-'));
  const lastPort = ffmpegFirstPort + 4 * ffmpegCalls;
  const drops = new UdpDropCounter(ffmpegFirstPort, lastPort);
  const replay = new RtpReplay(capturePackets);
  const ffmpegs: FfmpegCall[] = [];
  // The sender is this thread: ahead of ffmpeg (a starved sender would time ffmpeg out, 10 s
  // without a packet, rather than measure it). ffmpeg runs at the usual priority: `nice` undoes
  // what it would inherit.
  const senderPriority = os.getPriority();
  os.setPriority(loadGeneratorNice);
  const startedAt = performance.now();
  let errors = 0;
  const readCpu = () => {
    for (const call of ffmpegs) call.cpuMs = processCpuMs(call.child.pid!) ?? call.cpuMs;
    return ffmpegs.reduce((sum, call) => sum + call.cpuMs, 0);
  };
  try {
    // Calls arrive as SIPp places them; each ffmpeg gets a second to open its ports before its call's RTP.
    const placing = (async () => {
      for (let i = 0; i < ffmpegCalls; i++) {
        await sleep(startedAt + (i * rampSeconds * 1000) / ffmpegCalls - performance.now());
        const port = ffmpegFirstPort + 4 * i;
        const sdp = path.join(armDir, `${i}.sdp`);
        await fs.writeFile(sdp, callSdp(port));
        const child = spawn(
          'nice',
          [
            ...['-n', String(-loadGeneratorNice), binary],
            ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'],
            ...['-protocol_whitelist', 'file,udp,rtp', '-i', sdp],
            // The agent (label 2) left, the customer right, as Vox writes them.
            ...['-filter_complex', '[0:a:1][0:a:0]amerge=inputs=2[a]', '-map', '[a]'],
            ...['-ac', '2', '-ar', '16000', '-b:a', '16k', path.join(armDir, `${i}.mp3`)],
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        const call: FfmpegCall = { child, cpuMs: 0, stderr: '', stopping: false, exited: Promise.resolve() };
        child.stderr!.setEncoding('utf8').on('data', (text: string) => {
          call.stderr = (call.stderr + text).slice(-2000);
        });
        call.exited = new Promise((resolve) =>
          child.on('close', (code) => {
            if (code !== 0 && code !== 255) errors++;
            if (!call.stopping) call.endedEarly = call.stderr.trim().split('\n').pop() || `exit ${code}`;
            resolve();
          }),
        );
        ffmpegs.push(call);
        setTimeout(() => replay.add(port), 1000);
      }
    })();

    await sleep(startedAt + (rampSeconds + 1 + settleSeconds) * 1000 - performance.now());
    await placing;
    const cpuBefore = readCpu();
    const loadBefore = process.cpuUsage();
    const machineBefore = machineBusyMs();
    const windowStart = performance.now();
    let maxRss = 0;
    let maxPss = 0;
    for (let second = 1; performance.now() - windowStart < windowSeconds * 1000; second++) {
      await sleep(1000);
      readCpu();
      drops.sample();
      // Reading 200 processes' page maps takes a while: the memory is steady, a few looks do.
      if (second % 5 !== 1) continue;
      const memory = ffmpegs.map((call) => processMemory(call.child.pid!)).filter((m) => m !== undefined);
      maxRss = Math.max(
        maxRss,
        memory.reduce((sum, m) => sum + m.rss, 0),
      );
      maxPss = Math.max(
        maxPss,
        memory.reduce((sum, m) => sum + m.pss, 0),
      );
    }
    const cpuMs = readCpu() - cpuBefore;
    const load = process.cpuUsage(loadBefore);
    const machineMs = machineBusyMs() - machineBefore;
    const windowMs = performance.now() - windowStart;
    const endedInWindow = ffmpegs.filter((call) => call.endedEarly !== undefined).length;

    // Each ffmpeg is stopped (SIGINT: it finishes its file) once its call's capture has been sent.
    const lastPacketMs = capturePackets[capturePackets.length - 1]!.timeUs / 1000;
    for (let i = 0; i < ffmpegs.length; i++) {
      const endAt = startedAt + (i * rampSeconds * 1000) / ffmpegCalls + 1000 + lastPacketMs + 300;
      await sleep(endAt - performance.now());
      drops.sample();
      ffmpegs[i]!.stopping = true;
      ffmpegs[i]!.child.kill('SIGINT');
    }
    await Promise.all(ffmpegs.map((call) => call.exited));
    const early = ffmpegs.flatMap((call) => (call.endedEarly === undefined ? [] : [call.endedEarly]));
    const files = await eachLimited(
      ffmpegs.map((_, i) => path.join(armDir, `${i}.mp3`)),
      2,
      async (file) => {
        try {
          const audio = await DecodedAudio.fromBytes(await fs.readFile(file), 'mp3', 16_000, 2);
          return { durationMs: audio.durationMs, placement: audioPlacement(audio) };
        } catch {
          return { durationMs: 0, placement: undefined };
        }
      },
    );
    const complete = files.filter((f) => f.durationMs >= 0.95 * lastPacketMs).length;
    const busy = cpuMs / windowMs;
    const keptUp = complete === ffmpegCalls && early.length === 0 && drops.total === 0 && busy < cores * 0.9;

    console.log(`\nffmpeg per call: ${label}`);
    console.log(
      `  calls                    ${ffmpegCalls}; ${complete} MP3s complete (>= 95% of the call), ${errors} ffmpeg errors`,
    );
    console.log(`  RTP packets sent         ${replay.sent}; kernel drops at ffmpeg ${drops.total}`);
    console.log(`  audio placement          ${audioPlacementSummary(files.map((f) => f.placement))}`);
    if (early.length > 0) {
      console.log(
        `  ended by themselves      ${early.length} (${endedInWindow} before the window's end); the last says: ${early[early.length - 1]}`,
      );
    }
    console.log(
      `  ffmpeg CPU               ${(busy * 100).toFixed(0)}% of one core (${cores} cores); ` +
        `${((busy / ffmpegCalls) * 1000).toFixed(2)} ms per call-second` +
        (busy > cores * 0.9 ? ' (the machine is saturated: a lower bound)' : ''),
    );
    console.log(
      `  ffmpeg memory            RSS ${mb(maxRss)} MB (${mb(maxRss / ffmpegCalls)} MB a call); ` +
        `PSS ${mb(maxPss)} MB (${mb(maxPss / ffmpegCalls)} MB a call)`,
    );
    const loadMs = (load.user + load.system) / 1000;
    console.log(
      `  sender (load) CPU        ${((loadMs / windowMs) * 100).toFixed(0)}% of one core; its ticks up to ${replay.maxLateMs.toFixed(0)} ms late`,
    );
    console.log(
      `  the machine              ${((machineMs / windowMs) * 100).toFixed(0)}% busy of ${cores * 100}%; ` +
        `other processes ${((Math.max(0, machineMs - cpuMs - loadMs) / windowMs) * 100).toFixed(0)}%`,
    );
    console.log(
      `  held                     ${keptUp ? 'yes' : 'no'} (every file whole, no packet dropped, CPU to spare)`,
    );
    return { cpuMs, windowMs, rss: maxRss, pss: maxPss, loadCpuMs: loadMs, calls: ffmpegCalls, holds: keptUp };
  } finally {
    os.setPriority(senderPriority);
    replay.close();
    for (const { child } of ffmpegs) if (child.exitCode === null) child.kill('SIGKILL');
    await fs.rm(armDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

console.log(
  `${cores} cores; ${calls} SIPREC calls over UDP placed over ${rampSeconds} s, each ${seconds} s of two PCMU streams ` +
    `(20 ms ptime) from SIPp's pcap replay; MP3 16 kbit/s stereo, encrypted; measured over ${windowSeconds} s ` +
    `with every call up`,
);
try {
  const vox = runRecorderArm ? await recorderArm() : undefined;
  const alternatives: Array<[string, string]> = [[ffmpegPath, 'ffmpeg of @ffmpeg-installer (static, 2018)']];
  if (existsSync('/usr/bin/ffmpeg')) alternatives.push(['/usr/bin/ffmpeg', "Debian's /usr/bin/ffmpeg"]);
  if (runFfmpegArm) {
    console.log(`\n(the ffmpeg arm receives plain RTP and writes plain MP3s, no encryption: its lower bound)`);
    for (const [binary, label] of alternatives) {
      const ffmpeg = await ffmpegArm(binary, label);
      if (!vox) continue;
      const voxCpuPerCall = vox.cpuMs / vox.windowMs / vox.calls;
      const voxRssPerCall = vox.rss / vox.calls;
      const ffmpegCpuPerCall = ffmpeg.cpuMs / ffmpeg.windowMs / ffmpeg.calls;
      const memory =
        voxRssPerCall > 0
          ? `; memory ${(ffmpeg.rss / ffmpeg.calls / voxRssPerCall).toFixed(1)}x by RSS, ` +
            `${((ffmpeg.pss ?? 0) / ffmpeg.calls / voxRssPerCall).toFixed(1)}x by PSS (shared pages counted once)`
          : '';
      if (ffmpeg.holds) {
        console.log(`  ffmpeg / Vox per call    CPU ${(ffmpegCpuPerCall / voxCpuPerCall).toFixed(1)}x${memory}`);
      } else {
        // A saturated machine caps ffmpeg's CPU: a ratio of it would flatter ffmpeg.
        console.log(
          `  ffmpeg / Vox per call    none: ffmpeg did not keep up with ${ffmpeg.calls} calls ` +
            `(VOX_BENCH_FFMPEG_CALLS=<fewer> measures it where it does)`,
        );
      }
    }
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
