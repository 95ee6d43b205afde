// `npm run bench -- media`: concurrent real-time recordings on the media engine. For each
// scenario: N captures started over 8 s (calls arrive; each start instantiates its encoder),
// 4 s to settle, then S seconds measured: the process CPU, the CPU per call, the resident memory,
// and whether the worker clocks kept up. Prints figures; asserts nothing.
//   npm run bench -- media --only=250x16k       one scenario
//   npm run bench -- media --seconds=10         shorter runs
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MediaFormat } from '../src/platform/media/capture-engine.ts';
import { speakPhrases } from '../src/telephony/mcp/audio-engine/espeak-phrases.ts';
import { MediaEngine } from '../src/telephony/mcp/audio-engine/media-engine.ts';
import { silentLogger } from '../src/test-support/test-logger.ts';

interface Scenario {
  name: string;
  calls: number;
  formats: MediaFormat[];
  /** encrypted at rest as the MCP writes (a data key per file, wrapped with an RSA tenant key) */
  encrypted?: boolean;
}

const scenarios: Scenario[] = [
  { name: '250x16k+enc', calls: 250, formats: ['mp3-16k-stereo'], encrypted: true },
  { name: '800x8k+enc', calls: 800, formats: ['mp3-8k-mono'], encrypted: true },
  { name: '250x16k', calls: 250, formats: ['mp3-16k-stereo'] },
  { name: '800x8k', calls: 800, formats: ['mp3-8k-mono'] },
  { name: '250x16k+wav', calls: 250, formats: ['mp3-16k-stereo', 'wav-g711-ulaw'], encrypted: true },
  { name: '350x16k', calls: 350, formats: ['mp3-16k-stereo'] },
  { name: '450x16k', calls: 450, formats: ['mp3-16k-stereo'] },
  { name: '1000x8k', calls: 1000, formats: ['mp3-8k-mono'] },
];
/** Kept up: no file came out short, and no worker clock fell further behind than this. */
const keptUpLateMs = 250;

const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const seconds = Number(argument('seconds') ?? 20);
const only = argument('only');
const cores = os.availableParallelism();
// As the backend does: espeak-ng's phrases where it is installed, generated voices otherwise.
const phrases = await speakPhrases();
const tenantKey = {
  keyId: 'bench',
  publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
};
const rampSeconds = 8;
const settleSeconds = 4;

async function run(scenario: Scenario): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-bench-media-'));
  const engine = new MediaEngine({ phrases, log: silentLogger });
  try {
    const captures = [];
    const startTime = Date.now();
    for (let i = 0; i < scenario.calls; i++) {
      if (i % 10 === 0)
        await new Promise((resolve) => setTimeout(resolve, (rampSeconds * 1000) / (scenario.calls / 10)));
      captures.push(
        engine.start({
          startTime: Date.now(),
          seed: i + 1,
          outputs: scenario.formats.map((format, n) => ({
            format,
            path: path.join(dir, `${i}-${n}`),
            ...(scenario.encrypted ? { encryption: tenantKey } : {}),
          })),
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
    const cpuBefore = process.cpuUsage();
    const measuredFrom = Date.now();
    let maxLateMs = 0;
    let maxRss = 0;
    while (Date.now() - measuredFrom < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      maxLateMs = Math.max(maxLateMs, engine.load().maxLateMs);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = Date.now() - measuredFrom;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const stopAt = Date.now();
    const results = await Promise.all(captures.map((c) => c.stop(stopAt)));
    const expectedMs = stopAt - startTime;
    const short = results.filter((r) => r.durationMs < expectedMs - rampSeconds * 1000 - 100).length;
    const busyPercent = (cpuMs / wallMs) * 100;
    return [
      scenario.name.padEnd(13),
      String(scenario.calls).padStart(5),
      `${busyPercent.toFixed(0)}% of ${cores * 100}%`.padStart(13),
      ((cpuMs / wallMs / scenario.calls) * 1000).toFixed(2).padStart(13),
      (maxRss / 2 ** 20).toFixed(0).padStart(7),
      String(maxLateMs).padStart(9),
      (short === 0 && maxLateMs < keptUpLateMs ? 'yes' : `no (${short} short)`).padStart(10),
    ].join(' ');
  } finally {
    await engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `${cores} cores; calls started over ${rampSeconds} s, ${settleSeconds} s to settle, ${seconds} s measured; MP3 by LAME in WebAssembly; speech: ${phrases ? 'espeak-ng phrases' : 'generated voices'}`,
);
console.log(
  `${'scenario'.padEnd(13)} ${'calls'.padStart(5)} ${'process CPU'.padStart(13)} ${'CPU ms/call/s'.padStart(13)} ${'RSS MB'.padStart(7)} ${'late ms'.padStart(9)} ${'kept up'.padStart(10)}`,
);
for (const scenario of scenarios.filter((s) => !only || s.name === only)) console.log(await run(scenario));
