// `npm run bench [-- name ...]`: runs the benchmarks in apps/backend/bench (all, or those whose
// file name contains one of the names), one after another, each printing its own figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/backend/bench');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const benches = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}; there are: ${readdirSync(benchDir).join(', ')}`);
  process.exit(2);
}
for (const bench of benches) {
  console.log(`\n== ${bench}`);
  const result = spawnSync('npx', ['tsx', path.join(benchDir, bench), ...passThrough], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
