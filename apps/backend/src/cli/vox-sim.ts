import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { errorMessage, scenarioSchema, type Scenario, type ScenarioRun } from '@vox/shared';
import { placeSiprecCall, type SiprecCallOptions } from '../telephony/siprec-caller/siprec-caller.ts';
import { syntheticCallAudio } from '../telephony/siprec-caller/synthetic-voice.ts';
import { readTelephoneWav } from '../telephony/siprec-caller/wav-file.ts';
import { connectionUsage, parseCommandLine, runCli, sessionFor, UsageError, type CliSession } from './cli-session.ts';

const usage = `Usage: vox-sim run <scenario.json> --user NAME [--password-file FILE] [--url URL] [--speed N]
       vox-sim check <scenario.json>
       vox-sim siprec --to HOST:PORT [options]   (vox-sim siprec --help for its options)

  run     runs the scenario on a Vox backend, printing each step as it happens;
          exits 0 when it passed, 1 when it failed
  check   validates the file only
  siprec  places a SIPREC call at a recording server, as an SBC would

${connectionUsage}
  --speed     divides every delay of the scenario (default 1; 4 runs it four times as fast)

Example scenarios: apps/backend/scenarios/*.json`;

async function readScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${errorMessage(error)}`);
  }
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new UsageError(`${file} is not a valid scenario:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

function printStep(run: ScenarioRun, index: number): void {
  const result = run.results[index];
  if (!result) return;
  const mark = result.outcome === 'ok' ? 'ok ' : result.outcome === 'refused' ? 'ERR' : 'FAIL';
  console.log(`  ${String(index + 1).padStart(3)}/${run.stepsTotal} ${mark} ${result.action}: ${result.detail}`);
}

async function run(file: string, session: CliSession, speed: string): Promise<number> {
  const scenario = await readScenario(file);
  let current = await session.api.call('startScenario', { query: { speed }, body: scenario });
  console.log(`Scenario "${current.name}" (${current.stepsTotal} steps), run ${current.id}`);
  let printed = 0;
  for (;;) {
    while (printed < current.results.length) printStep(current, printed++);
    if (current.state !== 'running') break;
    await sleep(250);
    current = await session.api.call('getScenarioRun', { params: { id: current.id } });
  }
  for (const [name, call] of Object.entries(current.calls)) {
    const found = await session.api.call('listRecordings', { query: { connId: call.connId } });
    const stored = found.recordings.map((r) => `${r.id} (${r.mediaFiles.length} media file(s))`).join(', ');
    console.log(`  call ${name}: ConnID ${call.connId}, recordings: ${stored || 'none stored yet'}`);
  }
  if (current.state === 'passed') {
    console.log(`PASSED in ${Date.parse(current.finishedAt ?? '') - Date.parse(current.startedAt)} ms`);
    return 0;
  }
  console.log(`FAILED: ${current.failure ?? 'unknown reason'}`);
  return 1;
}

const siprecUsage = `Usage: vox-sim siprec --to HOST:PORT [--tcp] [--wav customer.wav [--wav agent.wav]] [--seconds N]
         [--agent DN] [--customer NUMBER] [--digits KEYS] [--pause-at S --pause-for S] [--codec PCMU|PCMA]

  Places a SIPREC call (RFC 7866) at a recording server as an SBC forking a call would: an INVITE
  with two sendonly streams (label 1 the customer, label 2 the agent) and RFC 7865 metadata, RTP
  of both for --seconds, then BYE. Prints each step and a summary; exits 0 when the call went
  through, 1 when it failed (say, the INVITE was turned down). Ctrl-C ends the call with a BYE.

  --to         the recording server's SIP address: HOST:PORT, or [IPv6]:PORT
  --tcp        SIP over TCP (default UDP); RTP is UDP either way
  --wav        16-bit PCM WAV of any rate and channels (mixed down to 8 kHz mono, looped); the
               first is the customer's, the second the agent's (default: a generated voice each)
  --seconds    length of the call (default 10)
  --agent      the agent's DN in the metadata (default 7001)
  --customer   the customer's number in the metadata (default +15550100)
  --digits     DTMF keys (0-9 * # A-D) sent as RFC 4733 events on the customer stream from 1 s in
  --pause-at   seconds into the call to pause the recording (a re-INVITE with a=inactive)
  --pause-for  seconds until a re-INVITE with a=sendonly resumes it
  --codec      PCMU (default) or PCMA

  During a pause no RTP is sent; the RTP timestamps keep running, as real SRCs do, so the first
  packet after the pause jumps by its length.`;

function siprecProblem(text: string): UsageError {
  return new UsageError(`${text}\n\n${siprecUsage}`);
}

function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: match[1]!, port };
}

function seconds(name: string, text: string, allowZero: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw siprecProblem(`--${name} takes a number of seconds${allowZero ? '' : ' above 0'}, not "${text}"`);
  }
  return value;
}

async function siprecOptions(argv: string[]): Promise<SiprecCallOptions | undefined> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        to: { type: 'string' },
        tcp: { type: 'boolean' },
        wav: { type: 'string', multiple: true },
        seconds: { type: 'string', default: '10' },
        agent: { type: 'string', default: '7001' },
        customer: { type: 'string', default: '+15550100' },
        digits: { type: 'string' },
        'pause-at': { type: 'string' },
        'pause-for': { type: 'string' },
        codec: { type: 'string', default: 'PCMU' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw siprecProblem(errorMessage(error));
  }
  if (values.help) return undefined;
  if (!values.to) throw siprecProblem('--to HOST:PORT is required');
  const to = parseHostPort(values.to);
  if (!to) throw siprecProblem(`--to takes HOST:PORT, not "${values.to}"`);
  const codec = values.codec.toUpperCase();
  if (codec !== 'PCMU' && codec !== 'PCMA') throw siprecProblem(`--codec is PCMU or PCMA, not "${values.codec}"`);
  if (values.digits !== undefined && !/^[0-9*#A-D]+$/i.test(values.digits)) {
    throw siprecProblem(`--digits takes DTMF keys (0-9 * # A-D), not "${values.digits}"`);
  }
  if ((values['pause-at'] === undefined) !== (values['pause-for'] === undefined)) {
    throw siprecProblem('--pause-at and --pause-for go together');
  }
  const pause =
    values['pause-at'] === undefined || values['pause-for'] === undefined
      ? undefined
      : { atS: seconds('pause-at', values['pause-at'], true), forS: seconds('pause-for', values['pause-for'], false) };
  const wavs = values.wav ?? [];
  if (wavs.length > 2) throw siprecProblem('at most two --wav: the customer and the agent');
  let audio: [Int16Array, Int16Array] | undefined;
  if (wavs.length > 0) {
    const read = await Promise.all(
      wavs.map((file) =>
        readTelephoneWav(file).catch((error: Error) => {
          throw siprecProblem(error.message);
        }),
      ),
    );
    audio = [read[0]!, read[1] ?? syntheticCallAudio()[1]];
  }
  return {
    to,
    transport: values.tcp ? 'tcp' : 'udp',
    seconds: seconds('seconds', values.seconds, false),
    agentDn: values.agent,
    customer: values.customer,
    codec,
    audio,
    digits: values.digits,
    pause,
  };
}

async function siprec(argv: string[]): Promise<number> {
  const options = await siprecOptions(argv);
  if (!options) {
    console.log(siprecUsage);
    return 0;
  }
  const startedAt = performance.now();
  const log = (line: string) =>
    console.log(`[${((performance.now() - startedAt) / 1000).toFixed(3).padStart(7)}] ${line}`);
  const controller = new AbortController();
  const onInterrupt = () => {
    // A second Ctrl-C does not wait for the BYE.
    if (controller.signal.aborted) process.exit(130);
    log('interrupted: ending the call');
    controller.abort(new Error('interrupted before the call was answered'));
  };
  process.on('SIGINT', onInterrupt);
  try {
    const result = await placeSiprecCall({ ...options, log }, controller.signal);
    const parties = [`customer ${options.customer}`, `agent ${options.agentDn}`];
    console.log(`Summary: Call-ID ${result.callId}, INVITE answered ${result.status}, ended by ${result.endedBy}`);
    result.packetsSent.forEach((packets, i) =>
      console.log(`  label ${i + 1} (${parties[i]}): ${packets} RTP packets sent`),
    );
    if (result.byeStatus >= 300) console.log(`  BYE answered ${result.byeStatus}`);
    return result.byeStatus >= 300 ? 1 : 0;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'siprec') return siprec(argv.slice(1));
  const commandLine = parseCommandLine(argv, { speed: '1' });
  const [command, file] = commandLine.positionals;
  if (commandLine.help) {
    console.log(usage);
    return 0;
  }
  if (!file || (command !== 'run' && command !== 'check')) throw new UsageError(usage);
  if (command === 'check') {
    const scenario = await readScenario(file);
    console.log(`${file}: a valid scenario, "${scenario.name}", ${scenario.steps.length} steps`);
    return 0;
  }
  return run(file, await sessionFor(commandLine), commandLine.option('speed'));
}

await runCli(() => main(process.argv.slice(2)));
