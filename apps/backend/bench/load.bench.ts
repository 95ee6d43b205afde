// `npm run bench -- load`: a sustained load through the whole backend (issue 12). A backend of its
// own process (main.ts on a temporary VOX_DATA_DIR: embedded PostgreSQL, two MCPs, MP3 16 kbit/s
// stereo, encrypted at rest) takes recorded calls that start and end all the time: the routing
// strategy routes each call to an agent's DN with record=destination (REST, as the admin), the
// agent answers and later releases it with its own token, as its desktop does, and each agent's
// socket.io connection receives its DN's events. Every call goes through the SIP Server, the
// Resource Manager, an MCP (SIP and MSML), the media engine, encryption, the storage outbox, the
// Recording Processor and PostgreSQL, and its events through socket.io.
//   npm run bench -- load                       200 calls at once for 10 minutes
//   npm run bench -- load --calls=40 --minutes=1 --hold=20
//   --calls=N    concurrent calls to hold (200); the run creates N + 10% + 2 agents, a DN each
//   --minutes=M  how long calls are placed (10), the 30 s ramp included
//   --hold=S     mean call length in seconds (60): each call lasts S/2 to 3S/2, uniformly
//   --ramp=S     seconds over which the calls grow to N (30)
//   --profile    the backend's main thread is profiled (a .cpuprofile, its path printed at the end)
// Every 5 s it prints the live calls, the CPU of the backend (its main thread apart) and of its
// PostgreSQL processes, read from /proc from outside (this process's own CPU is shown apart),
// memory, and the media engine's lag from GET /metrics. At the end it releases every call, waits
// for every recording to be stored, and counts calls completed, recordings stored, lost (an
// answered call without a media file) and duplicated (more than one), the event latencies at
// the agents' sockets (the calls released all at once at the end apart), and decodes a sample
// of the files. Asserts nothing; says whether it held: 0 lost, 0 duplicated, every call and
// event, whole files, and at p99 the engine's lag, EventEstablished and EventReleased under 1 s.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { errorMessage, type Recording, type RecordingList } from '@vox/shared';
import { DecodedAudio } from '../src/test-support/decoded-audio.ts';
import { SpawnedBackend } from '../src/test-support/spawned-backend.ts';
import { VoxTestBackend } from '../src/test-support/vox-test-backend.ts';
import { CallEventLedger, type AgentEventName } from './load/call-event-ledger.ts';
import { latencySummary, percentile } from './load/latency-figures.ts';
import { createLoadAgents, socketReconnects, type LoadAgent } from './load/load-agents.ts';
import { placeLoadCall, type LoadCall } from './load/load-call.ts';
import { MetricsWatch } from './load/metrics-watch.ts';
import { BackendUsage, machineBusyMs, type BackendUsageReading } from './process-usage.ts';
import { seededRandom } from '../src/platform/media/seeded-random.ts';

const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const targetCalls = Number(argument('calls') ?? 200);
const minutes = Number(argument('minutes') ?? 10);
const holdSeconds = Number(argument('hold') ?? 60);
const rampSeconds = Number(argument('ramp') ?? 30);
const profile = process.argv.includes('--profile');
/** Agents beyond the calls: a DN that has just released waits behind the others before its next call. */
const agentCount = targetCalls + Math.ceil(targetCalls / 10) + 2;
const cores = os.availableParallelism();
const sampleEveryMs = 5000;
/** An agent lets a call ring this long before answering. */
const ringMs = 1000;
const eventTimeoutMs = 30_000;
/** How long the stores may take after the last release before what is missing counts as lost. */
const storeTimeoutMs = 180_000;
/** The render delay of a simulated call's capture (media-worker.ts), printed beside the lag. */
const renderDelayMs = 100;
/**
 * How late a media worker's clock may run and still keep up. A simulated call's capture renders
 * at most up to 100 ms before now, however late the clock runs, so a pause or digit asked for a
 * little late still lands on its frame whatever the lag; what a late clock must not do is grow:
 * a worker a second late is falling behind its captures.
 */
const engineLagBarMs = 1000;
/** The event latency the issue sets as the bar, at p99. */
const latencyBarMs = 1000;
/** Files decoded to check what a listener would hear. */
const decodedSample = 10;
/**
 * A file's duration lies between the shortest and the longest the call's recording can have been,
 * as the bench saw it: from the answer's arrival at the backend (between sending it and
 * RecordingStarted) to the release's (between sending it and RecordingStopped). Beyond that, this
 * much: a render block and an MP3 frame.
 */
const durationToleranceMs = 250;
/** A decoded file against its listed duration: an MP3 frame and the encoder's padding. */
const decodedToleranceMs = 200;
/**
 * The longest both parties of a simulated call are silent: between turns (conversation.ts: up to
 * 0.7 s) and inside a spoken phrase. Longer, audio is missing from the file.
 */
const conversationGapMs = 1500;

if (![targetCalls, minutes, holdSeconds, rampSeconds].every((n) => Number.isFinite(n) && n > 0)) {
  console.error('--calls, --minutes, --hold and --ramp are positive numbers');
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const percentOf = (cpuMs: number, wallMs: number) => (wallMs > 0 ? (cpuMs / wallMs) * 100 : 0);

/** What the 5-second sampler read. */
interface Sample {
  atMs: number;
  usage: BackendUsageReading;
  machineMs: number;
  benchCpuMs: number;
  liveCalls: number;
}

function benchCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The longest stretch (in 20 ms steps) where both channels are below speech level, in ms. */
function longestSilenceMs(audio: DecodedAudio): number {
  const stepMs = 20;
  let longest = 0;
  let silentFrom: number | undefined;
  for (let at = 0; at + stepMs <= audio.durationMs; at += stepMs) {
    const silent = audio.rms(0, at, at + stepMs) < 0.003 && audio.rms(1, at, at + stepMs) < 0.003;
    if (silent) silentFrom ??= at;
    else silentFrom = undefined;
    if (silentFrom !== undefined) longest = Math.max(longest, at + stepMs - silentFrom);
  }
  return longest;
}

/** Every recording of the backend (a fresh one: they are all this run's), oldest first. */
async function allRecordings(vox: VoxTestBackend): Promise<Recording[]> {
  const found: Recording[] = [];
  let cursor: string | null = null;
  const admin = await vox.client('admin');
  do {
    const page: RecordingList = await admin.call('listRecordings', {
      query: { sort: 'startTime' as const, limit: 200, ...(cursor ? { cursor } : {}) },
    });
    found.push(...page.recordings);
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-bench-load-'));
// The embedded database runs as the `postgres` user when the bench runs as root: it must reach the directory.
await fs.chmod(dataDir, 0o755);
const profileDir = profile ? await fs.mkdtemp(path.join(os.tmpdir(), 'vox-load-profile-')) : undefined;
console.log(
  `${cores} cores; ${targetCalls} concurrent recorded calls (ramp ${rampSeconds} s) for ${minutes} min, ` +
    `each ${holdSeconds / 2}-${(holdSeconds * 3) / 2} s; MP3 16 kbit/s stereo, encrypted; ${agentCount} agents; ` +
    `the backend in its own process${profile ? `, profiled into ${profileDir}` : ''}`,
);
const spawned = await SpawnedBackend.start(
  {
    VOX_DATA_DIR: dataDir,
    VOX_PORT: '0',
    VOX_SIP_PORT: 'off',
    VOX_DEMO: '1',
    VOX_RECORDING_FORMAT: 'mp3-16k-stereo',
    VOX_ENCRYPTION: '1',
    ...(profileDir ? { VOX_LOAD_PROFILE_DIR: profileDir } : {}),
  },
  {
    timeoutMs: 180_000,
    ...(profileDir ? { preload: fileURLToPath(new URL('./load/cpu-profile-preload.mjs', import.meta.url)) } : {}),
  },
);
// Should this process die (Ctrl-C, a closed pipe), the backend stops in order by itself.
process.once('exit', () => spawned.signal('SIGTERM'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(1));
const vox = VoxTestBackend.attach(spawned.running, dataDir);
const usage = new BackendUsage(BackendUsage.findBackendPid(process.pid));
const metrics = new MetricsWatch(vox.url);
const ledger = new CallEventLedger();
let agents: LoadAgent[] = [];
try {
  const adminToken = await vox.token('admin');
  const setupFrom = performance.now();
  agents = await createLoadAgents(vox, agentCount, ledger);
  console.log(
    `${agents.length} agents created, logged in and connected in ${((performance.now() - setupFrom) / 1000).toFixed(0)} s`,
  );

  // What the backend costs with no call, with every socket open.
  const idleFrom = { at: performance.now(), usage: usage.read() };
  await sleep(5000);
  const idleTo = { at: performance.now(), usage: usage.read() };
  const idleWallMs = idleTo.at - idleFrom.at;
  console.log(
    `idle: backend ${percentOf(idleTo.usage.backendCpuMs - idleFrom.usage.backendCpuMs, idleWallMs).toFixed(1)}%, ` +
      `PostgreSQL ${percentOf(idleTo.usage.postgresCpuMs - idleFrom.usage.postgresCpuMs, idleWallMs).toFixed(1)}% ` +
      `of one core; backend RSS ${mb(idleTo.usage.backendRss)} MB`,
  );

  // ---------------------------------------------------------------------------------------------
  // The run: calls placed so that `targetCalls` are up (after the ramp), each on the agent that
  // has waited longest since its last call.

  const random = seededRandom(12);
  const idleAgents = [...agents];
  const placed: Array<Promise<LoadCall>> = [];
  let live = 0;
  let endRun!: () => void;
  const ending = new Promise<void>((resolve) => (endRun = resolve));
  const runMs = minutes * 60_000;
  const runFrom = performance.now();
  const elapsed = () => performance.now() - runFrom;
  const placeCalls = () => {
    if (elapsed() >= runMs) return;
    const target = Math.min(targetCalls, Math.ceil((targetCalls * elapsed()) / (rampSeconds * 1000)));
    while (live < target && idleAgents.length > 0) {
      const agent = idleAgents.shift()!;
      live++;
      const ani = `+1555${String(placed.length + 1).padStart(7, '0')}`;
      const holdMs = holdSeconds * 1000 * (0.5 + random());
      placed.push(
        placeLoadCall(vox, adminToken, ledger, agent, ani, { ringMs, holdMs, eventTimeoutMs }, ending).then((call) => {
          live--;
          idleAgents.push(agent);
          return call;
        }),
      );
    }
  };
  const placer = setInterval(placeCalls, 100);

  const samples: Sample[] = [];
  const takeSample = (): Sample => ({
    atMs: elapsed(),
    usage: usage.read(),
    machineMs: machineBusyMs(),
    benchCpuMs: benchCpuMs(),
    liveCalls: live,
  });
  samples.push(takeSample());
  metrics.start();
  console.log(
    '\n    s  live  vox  rec | backend% main%   pg%  bench%  machine% | RSS MB  PSS MB  pg PSS MB | lag ms  busy  loop ms | outbox stored',
  );
  const printSample = (previous: Sample, sample: Sample) => {
    const wallMs = sample.atMs - previous.atMs;
    const pct = (pick: (s: Sample) => number) => percentOf(pick(sample) - pick(previous), wallMs).toFixed(0);
    const worst = metrics.take();
    const scrape = metrics.latest;
    console.log(
      [
        (sample.atMs / 1000).toFixed(0).padStart(5),
        String(sample.liveCalls).padStart(5),
        String(scrape?.callsInProgress ?? '?').padStart(4),
        String(scrape?.recordingsInProgress ?? '?').padStart(4),
        '|',
        pct((s) => s.usage.backendCpuMs).padStart(8),
        pct((s) => s.usage.mainThreadCpuMs).padStart(5),
        pct((s) => s.usage.postgresCpuMs).padStart(5),
        pct((s) => s.benchCpuMs).padStart(7),
        `${pct((s) => s.machineMs)}/${cores * 100}`.padStart(9),
        '|',
        mb(sample.usage.backendRss).padStart(6),
        mb(sample.usage.backendPss).padStart(7),
        mb(sample.usage.postgresPss).padStart(10),
        '|',
        worst.engineLagMs.toFixed(0).padStart(6),
        worst.engineBusy.toFixed(2).padStart(5),
        worst.eventLoopMaxMs.toFixed(0).padStart(8),
        '|',
        String(scrape?.outboxDepth ?? '?').padStart(6),
        String(scrape?.recordingsStored ?? '?').padStart(6),
      ].join(' '),
    );
  };
  while (elapsed() < runMs) {
    await sleep(Math.min(sampleEveryMs, runMs - elapsed()));
    samples.push(takeSample());
    printSample(samples[samples.length - 2]!, samples[samples.length - 1]!);
  }

  // ---------------------------------------------------------------------------------------------
  // The end: no more calls, every call released, every recording stored.

  clearInterval(placer);
  const releaseAllFrom = performance.now();
  endRun();
  const calls = await Promise.all(placed);
  const releasedAllMs = performance.now() - releaseAllFrom;
  const answered = calls.filter((c) => c.answered);
  console.log(
    `\nreleased the last ${calls.filter((c) => c.releasedAtRunEnd).length} calls at once ` +
      `(${(releasedAllMs / 1000).toFixed(1)} s); waiting for their recordings`,
  );
  const storeFrom = performance.now();
  let lastProgress = { at: performance.now(), stored: -1 };
  for (;;) {
    const scrape = await metrics.scrape();
    const stored = scrape?.recordingsStored ?? 0;
    if (stored !== lastProgress.stored) lastProgress = { at: performance.now(), stored };
    const settled = scrape !== undefined && scrape.recordingsInProgress === 0 && scrape.outboxDepth === 0;
    if (settled && stored >= answered.length) break;
    if (performance.now() - lastProgress.at > storeTimeoutMs) break;
    await sleep(1000);
    if (elapsed() - samples[samples.length - 1]!.atMs < sampleEveryMs) continue;
    samples.push(takeSample());
    printSample(samples[samples.length - 2]!, samples[samples.length - 1]!);
  }
  const storedAllMs = performance.now() - storeFrom;
  // The last RecordingStored events are on their way to the sockets.
  await Promise.all(answered.map((c) => ledger.waitFor(c.connId!, 'RecordingStored', eventTimeoutMs)));
  metrics.stop();
  const finalScrape = await metrics.scrape();

  // ---------------------------------------------------------------------------------------------
  // The count.

  const recordings = await allRecordings(vox);
  const byConnId = new Map<string, Recording[]>();
  for (const recording of recordings)
    byConnId.set(recording.connId, [...(byConnId.get(recording.connId) ?? []), recording]);
  const ours = new Set(calls.flatMap((c) => (c.connId ? [c.connId] : [])));
  const unexpected = recordings.filter((r) => !ours.has(r.connId)).length;
  const filesOf = (call: LoadCall) => (byConnId.get(call.connId!) ?? []).flatMap((r) => r.mediaFiles);
  const lost = answered.filter((c) => filesOf(c).length === 0);
  const duplicated = answered.filter((c) => filesOf(c).length > 1 || (byConnId.get(c.connId!) ?? []).length > 1);
  const interrupted = answered.filter((c) => filesOf(c).some((f) => f.interrupted !== undefined));
  const completed = calls.filter((c) => c.released && c.failure === undefined);
  const failures = new Map<string, number>();
  for (const call of calls) if (call.failure) failures.set(call.failure, (failures.get(call.failure) ?? 0) + 1);
  const storedEvents = answered.map((c) => ledger.arrivalsOf(c.connId!, 'RecordingStored').length);

  // A file as long as its call: answer to release.
  const durationChecks = answered
    .filter((c) => c.released && filesOf(c).length === 1)
    .map((c) => {
      const file = filesOf(c)[0]!;
      const answerSeenBy = c.answerSentAt! + (c.latencyMs.RecordingStarted ?? c.restMs.answer ?? 0);
      const releaseSeenBy = c.releaseSentAt! + (c.latencyMs.RecordingStopped ?? c.restMs.release ?? 0);
      const shortest = c.releaseSentAt! - answerSeenBy;
      const longest = releaseSeenBy - c.answerSentAt!;
      const outsideMs = Math.max(0, shortest - file.duration, file.duration - longest);
      return { call: c, file, outsideMs, fromSentMs: file.duration - (c.releaseSentAt! - c.answerSentAt!) };
    });
  const offDuration = durationChecks.filter((d) => d.outsideMs > durationToleranceMs);
  /**
   * Stored bytes per second of audio, as kbit/s: a file cut short inside is smaller than its
   * duration says. Files under 5 s are left out: their headers weigh more than their audio.
   */
  const fileKbps = durationChecks
    .filter((d) => d.file.duration >= 5000)
    .map((d) => (d.file.size * 8) / d.file.duration);

  // What a listener hears, for a sample spread over the run: the whole length, both voices.
  const sample = durationChecks.filter((_, i, all) => i % Math.max(1, Math.floor(all.length / decodedSample)) === 0);
  const decoded: string[] = [];
  const longestSilences: number[] = [];
  for (const { call, file } of sample.slice(0, decodedSample)) {
    const recording = byConnId.get(call.connId!)![0]!;
    try {
      const audio = await DecodedAudio.fromBytes(await vox.media(recording.id, file.mediaId), 'mp3', 16_000, 2);
      const silenceMs = longestSilenceMs(audio);
      longestSilences.push(silenceMs);
      const problems = [
        ...(Math.abs(audio.durationMs - file.duration) > decodedToleranceMs
          ? [`decodes to ${audio.durationMs.toFixed(0)} ms, listed ${file.duration} ms`]
          : []),
        ...(silenceMs > conversationGapMs ? [`${silenceMs} ms of silence on both channels`] : []),
      ];
      if (problems.length > 0) decoded.push(`${call.connId}: ${problems.join('; ')}`);
    } catch (error) {
      decoded.push(`${call.connId}: ${errorMessage(error)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The figures.

  // The calls released all at once when the run ended are a burst of their own: apart.
  const duringRun = calls.filter((c) => !c.releasedAtRunEnd);
  const atRunEnd = calls.filter((c) => c.releasedAtRunEnd);
  const latencies = (name: AgentEventName, among = calls) =>
    among.flatMap((c) => (c.latencyMs[name] === undefined ? [] : [c.latencyMs[name]]));
  const storedLatencies = (among: LoadCall[]) =>
    among.flatMap((c) => {
      const at = c.answered ? ledger.arrivalsOf(c.connId!, 'RecordingStored')[0] : undefined;
      return at === undefined || c.releaseSentAt === undefined ? [] : [at - c.releaseSentAt];
    });
  const restLatencies = (action: keyof LoadCall['restMs'], among = calls) =>
    among.flatMap((c) => (c.restMs[action] === undefined ? [] : [c.restMs[action]]));
  const missingEvents = (
    ['EventRinging', 'EventEstablished', 'RecordingStarted', 'EventReleased', 'RecordingStopped'] as const
  )
    .map((name) => ({
      name,
      missing: calls.filter((c) => {
        const expected =
          name === 'EventRinging'
            ? c.connId !== undefined
            : name === 'EventEstablished' || name === 'RecordingStarted'
              ? c.answered
              : c.released;
        return expected && c.latencyMs[name] === undefined;
      }).length,
    }))
    .filter((m) => m.missing > 0);

  // The steady window: after the ramp and its first calls' settling, to the run's end.
  const runSamples = samples.filter((s) => s.atMs <= runMs + sampleEveryMs / 2);
  const steady = runSamples.filter((s) => s.atMs >= (rampSeconds + 10) * 1000);
  const window = steady.length >= 2 ? steady : runSamples;
  const first = window[0]!;
  const last = window[window.length - 1]!;
  const windowMs = last.atMs - first.atMs;
  const pct = (pick: (s: Sample) => number) => percentOf(pick(last) - pick(first), windowMs);
  const backendPct = pct((s) => s.usage.backendCpuMs);
  const meanLive = mean(window.map((s) => s.liveCalls));
  const lagP99Ms = percentile(metrics.engineLagsMs, 0.99);
  const establishedP99 = percentile(latencies('EventEstablished'), 0.99);
  const releasedP99 = percentile(latencies('EventReleased', duringRun), 0.99);
  /** The bar, each part with what missed it. */
  const missed = [
    [lost.length === 0, `${lost.length} lost`],
    [duplicated.length === 0 && unexpected === 0, `${duplicated.length + unexpected} duplicated`],
    [failures.size === 0, `${calls.length - completed.length} calls failed`],
    [missingEvents.length === 0 && ledger.misdelivered === 0, 'events missing or misdelivered'],
    [decoded.length === 0 && offDuration.length === 0, 'files not whole'],
    [lagP99Ms < engineLagBarMs, `engine lag p99 ${lagP99Ms.toFixed(0)} ms`],
    [establishedP99 < latencyBarMs, `EventEstablished p99 ${establishedP99.toFixed(0)} ms`],
    [releasedP99 < latencyBarMs, `EventReleased p99 ${releasedP99.toFixed(0)} ms`],
  ].flatMap(([ok, why]) => (ok ? [] : [why]));

  const line = (label: string, text: string) => console.log(`  ${label.padEnd(26)} ${text}`);
  console.log(
    `\nLoad: ${targetCalls} calls for ${minutes} min, calls of ${holdSeconds / 2}-${(holdSeconds * 3) / 2} s`,
  );
  line('calls placed', `${calls.length}; ${answered.length} answered (recorded); ${completed.length} completed`);
  if (failures.size > 0) line('calls that failed', [...failures].map(([why, n]) => `${n} × ${why}`).join('; '));
  line(
    'recordings stored',
    `${recordings.length} recordings, ${recordings.reduce((n, r) => n + r.mediaFiles.length, 0)} media files ` +
      `(the backend counted ${finalScrape?.recordingsStored ?? '?'} stored, ${finalScrape?.recordingsFailed ?? '?'} failed); ` +
      `all stored ${(storedAllMs / 1000).toFixed(1)} s after the last release`,
  );
  line(
    'lost',
    `${lost.length}${
      lost.length > 0
        ? ` (${lost
            .slice(0, 5)
            .map((c) => c.connId)
            .join(', ')}…)`
        : ''
    }`,
  );
  line('duplicated', `${duplicated.length}; ${unexpected} recordings of calls the bench did not place`);
  line('interrupted files', String(interrupted.length));
  line(
    'RecordingStored at sockets',
    `${storedEvents.filter((n) => n === 1).length} calls once, ${storedEvents.filter((n) => n === 0).length} never, ` +
      `${storedEvents.filter((n) => n > 1).length} more than once`,
  );
  line(
    'events missing',
    missingEvents.length === 0 ? 'none' : missingEvents.map((m) => `${m.missing} ${m.name}`).join(', '),
  );
  line('events misdelivered', `${ledger.misdelivered}; socket reconnects ${socketReconnects.count}`);
  console.log("  latency, REST request to the event at the agent's socket:");
  line('  route -> EventRinging', latencySummary(latencies('EventRinging')));
  line('  answer -> EventEstablished', latencySummary(latencies('EventEstablished')));
  line('  answer -> RecordingStarted', latencySummary(latencies('RecordingStarted')));
  line('  release -> EventReleased', latencySummary(latencies('EventReleased', duringRun)));
  line('  release -> RecordingStopped', latencySummary(latencies('RecordingStopped', duringRun)));
  line('  release -> RecordingStored', latencySummary(storedLatencies(duringRun)));
  console.log('  REST round trips:');
  line('  route', latencySummary(restLatencies('route')));
  line('  answer', latencySummary(restLatencies('answer')));
  line('  release', latencySummary(restLatencies('release', duringRun)));
  console.log(`  the ${atRunEnd.length} calls released at once when the run ended:`);
  line('  release (REST)', latencySummary(restLatencies('release', atRunEnd)));
  line('  release -> EventReleased', latencySummary(latencies('EventReleased', atRunEnd)));
  line('  release -> RecordingStored', latencySummary(storedLatencies(atRunEnd)));
  line(
    'file length vs the call',
    `${durationChecks.length - offDuration.length} of ${durationChecks.length} within ${durationToleranceMs} ms of ` +
      `what the answer and release allow` +
      (offDuration.length > 0
        ? ` (e.g. ${offDuration[0]!.call.connId}: ${offDuration[0]!.outsideMs.toFixed(0)} ms outside)`
        : '') +
      `; against answer-to-release as sent: ${latencySummary(durationChecks.map((d) => Math.abs(d.fromSentMs)))}`,
  );
  line(
    'stored size',
    `${percentile(fileKbps, 0).toFixed(1)} to ${Math.max(0, ...fileKbps).toFixed(1)} kbit/s of audio ` +
      `(median ${percentile(fileKbps, 0.5).toFixed(1)}; MP3 at 16 kbit/s, encrypted; files of 5 s or more)`,
  );
  line(
    'decoded sample',
    `${Math.min(sample.length, decodedSample)} files, longest silence on both channels ` +
      `${Math.max(0, ...longestSilences)} ms: ${decoded.length === 0 ? 'every one whole' : decoded.join(' | ')}`,
  );
  const postgresPct = pct((s) => s.usage.postgresCpuMs);
  const benchPct = pct((s) => s.benchCpuMs);
  const machinePct = pct((s) => s.machineMs);
  const othersPct = Math.max(
    0,
    machinePct - backendPct - postgresPct - benchPct - pct((s) => s.usage.otherChildrenCpuMs),
  );
  line(
    `CPU (steady ${(windowMs / 1000).toFixed(0)} s)`,
    `backend ${backendPct.toFixed(0)}% of one core (main thread ${pct((s) => s.usage.mainThreadCpuMs).toFixed(0)}%), ` +
      `PostgreSQL ${postgresPct.toFixed(0)}%, bench ${benchPct.toFixed(0)}%; machine ${machinePct.toFixed(0)}% of ` +
      `${cores * 100}%, other processes ${othersPct.toFixed(0)}%; ` +
      `${meanLive > 0 ? ((backendPct * 10) / meanLive).toFixed(2) : '?'} ms backend CPU per call-second`,
  );
  line(
    'memory',
    `backend RSS ${mb(first.usage.backendRss)} MB at the steady start, ${mb(last.usage.backendRss)} MB at its end, ` +
      `${mb(Math.max(...samples.map((s) => s.usage.backendRss)))} MB at most; PostgreSQL PSS ` +
      `${mb(Math.max(...samples.map((s) => s.usage.postgresPss)))} MB at most (${last.usage.postgresProcesses} processes)`,
  );
  line(
    'media engine lag',
    `${latencySummary(metrics.engineLagsMs)} over ${metrics.engineLagsMs.length} one-second scrapes ` +
      `(render delay ${renderDelayMs} ms); media workers busy ${(mean(metrics.engineBusyShares) * 100).toFixed(0)}% ` +
      `of one core on average; main event loop delay ${latencySummary(metrics.eventLoopMaxesMs)}`,
  );
  if (othersPct > 20) {
    console.log(
      `  (other processes took ${othersPct.toFixed(0)}% of a core meanwhile: the lag and latencies are the ` +
        "shared machine's, not the backend's alone)",
    );
  }
  line(
    'held',
    `${missed.length === 0 ? 'yes' : `no: ${missed.join(', ')}`} (the bar: 0 lost, 0 duplicated, every call and ` +
      `event, files whole; p99 of the engine lag under ${engineLagBarMs} ms, of EventEstablished and EventReleased ` +
      `under ${latencyBarMs} ms)`,
  );
} finally {
  metrics.stop();
  for (const agent of agents) agent.socket.close();
  await vox.stop();
  if (profileDir) {
    const profiles = (await fs.readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
    console.log(`\nthe backend's main thread profile: ${profiles.map((f) => path.join(profileDir, f)).join(', ')}`);
  }
}
