import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  loginResponseSchema,
  recordingListSchema,
  scenarioRunSchema,
  scenarioSchema,
  type Scenario,
  type ScenarioRun,
} from '@vox/shared';

const usage = `Usage: vox-sim run <scenario.json> [--url URL] [--user NAME] [--password PASSWORD] [--speed N]
       vox-sim check <scenario.json>

  run     runs the scenario on a Vox backend, printing each step as it happens;
          exits 0 when it passed, 1 when it failed
  check   validates the file only

  --url       backend URL (default: $VOX_URL or http://127.0.0.1:8080)
  --user      user to run as, an admin or a supervisor (default: $VOX_USER or admin)
  --password  (default: $VOX_PASSWORD or admin-demo, the demo tenant's)
  --speed     divides every delay of the scenario (default 1; 4 runs it four times as fast)

Example scenarios: apps/backend/scenarios/*.json`;

class UsageError extends Error {}

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

async function request(url: string, init: RequestInit & { token?: string }): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch (error) {
    throw new Error(
      `cannot reach ${url}: ${error instanceof Error ? error.message : String(error)} (is the backend running?)`,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? response.statusText;
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${message}`);
  }
  return body;
}

function printStep(run: ScenarioRun, index: number): void {
  const result = run.results[index];
  if (!result) return;
  const mark = result.outcome === 'ok' ? 'ok ' : result.outcome === 'refused' ? 'ERR' : 'FAIL';
  console.log(`  ${String(index + 1).padStart(3)}/${run.stepsTotal} ${mark} ${result.action}: ${result.detail}`);
}

async function run(
  file: string,
  options: { url: string; user: string; password: string; speed: string },
): Promise<number> {
  const scenario = await readScenario(file);
  const base = options.url.replace(/\/$/, '');
  const login = loginResponseSchema.parse(
    await request(`${base}/api/v2/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ username: options.user, password: options.password }),
    }),
  );
  const token = login.token;
  let current = scenarioRunSchema.parse(
    await request(`${base}/api/v2/sim/scenarios?speed=${encodeURIComponent(options.speed)}`, {
      method: 'POST',
      body: JSON.stringify(scenario),
      token,
    }),
  );
  console.log(`Scenario "${current.name}" (${current.stepsTotal} steps), run ${current.id}`);
  let printed = 0;
  for (;;) {
    while (printed < current.results.length) printStep(current, printed++);
    if (current.state !== 'running') break;
    await sleep(250);
    current = scenarioRunSchema.parse(await request(`${base}/api/v2/sim/scenarios/${current.id}`, { token }));
  }
  for (const [name, call] of Object.entries(current.calls)) {
    const found = recordingListSchema.parse(
      await request(`${base}/api/v2/recordings?connId=${call.connId}`, { token }),
    );
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
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.VOX_URL ?? 'http://127.0.0.1:8080' },
      user: { type: 'string', default: process.env.VOX_USER ?? 'admin' },
      password: { type: 'string', default: process.env.VOX_PASSWORD ?? 'admin-demo' },
      speed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file] = positionals;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!file || (command !== 'run' && command !== 'check')) throw new UsageError(usage);
  if (command === 'check') {
    const scenario = await readScenario(file);
    console.log(`${file}: a valid scenario, "${scenario.name}", ${scenario.steps.length} steps`);
    return 0;
  }
  return run(file, { url: values.url, user: values.user, password: values.password, speed: values.speed });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
