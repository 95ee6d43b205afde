// `npm run bench [-- name ...]`: runs the benchmarks in apps/*/bench (all, or those whose file
// name contains one of the names), one after another, each printing its own figures.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const all = readdirSync(appsDir)
  .map((app) => path.join(appsDir, app, 'bench'))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.bench.ts'))
      .map((f) => path.join(dir, f)),
  );
const browserBenches = readdirSync(path.join(appsDir, '..', 'e2e', 'bench')).filter((f) =>
  f.endsWith('.bench.spec.ts'),
);
const benches = all.filter((f) => wanted.length === 0 || wanted.some((w) => path.basename(f).includes(w))).sort();
// Benchmarks in the browser run only when named: each records real calls for minutes.
const browserWanted = browserBenches.filter((f) => wanted.some((w) => f.includes(w)));
if (benches.length === 0 && browserWanted.length === 0) {
  const names = [...all.map((f) => path.basename(f)), ...browserBenches];
  console.error(`no benchmark matches ${wanted.join(', ')}; there are: ${names.join(', ')}`);
  process.exit(2);
}
for (const bench of benches) {
  console.log(`\n== ${path.relative(appsDir, bench)}`);
  const result = spawnSync('npx', ['tsx', bench, ...passThrough], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
for (const bench of browserWanted) {
  console.log(`\n== e2e/bench/${bench} (Chromium under Xvfb)`);
  const script = path.join(appsDir, '..', 'scripts', 'run-e2e.sh');
  const result = spawnSync('bash', [script, '-c', 'playwright.bench.config.ts', bench], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
