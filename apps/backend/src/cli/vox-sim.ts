import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordingListSchema, scenarioRunSchema, scenarioSchema, type Scenario, type ScenarioRun } from '@vox/shared';
import { connectionUsage, parseCommandLine, runCli, sessionFor, UsageError, type CliSession } from './cli-session.ts';

const usage = `Usage: vox-sim run <scenario.json> [--url URL] [--user NAME] [--password PASSWORD] [--speed N]
       vox-sim check <scenario.json>

  run     runs the scenario on a Vox backend, printing each step as it happens;
          exits 0 when it passed, 1 when it failed
  check   validates the file only

${connectionUsage}
  --speed     divides every delay of the scenario (default 1; 4 runs it four times as fast)

Example scenarios: apps/backend/scenarios/*.json`;

async function readScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
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
  let current = scenarioRunSchema.parse(
    await session.post(`/api/v2/sim/scenarios?speed=${encodeURIComponent(speed)}`, scenario),
  );
  console.log(`Scenario "${current.name}" (${current.stepsTotal} steps), run ${current.id}`);
  let printed = 0;
  for (;;) {
    while (printed < current.results.length) printStep(current, printed++);
    if (current.state !== 'running') break;
    await sleep(250);
    current = scenarioRunSchema.parse(await session.get(`/api/v2/sim/scenarios/${current.id}`));
  }
  for (const [name, call] of Object.entries(current.calls)) {
    const found = recordingListSchema.parse(await session.get(`/api/v2/recordings?connId=${call.connId}`));
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

async function main(argv: string[]): Promise<number> {
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
