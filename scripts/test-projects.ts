import fs from 'node:fs';
import path from 'node:path';

/**
 * Splits the Vitest files into the `unit` and `integration` projects by what each file starts. A
 * test is an integration test when it imports one of these harnesses, so a new test that starts a
 * backend lands in the slow project without anyone having to name it there.
 */
export const integrationHarnesses: readonly string[] = [
  // the backend in this process, on an embedded PostgreSQL
  'apps/backend/src/test-support/vox-test-backend.ts',
  // the backend as its own process
  'apps/backend/src/test-support/spawned-backend.ts',
  // SIPp processes placing calls
  'apps/backend/src/test-support/sipp.ts',
  // an embedded PostgreSQL cluster (initdb and a postmaster)
  'apps/backend/src/platform/db/database.ts',
  'apps/backend/src/platform/db/embedded-database.ts',
  'apps/backend/src/test-support/test-database.ts',
  // the MediaEngine's worker threads, encoding with ffmpeg
  'apps/backend/src/telephony/mcp/audio-engine/media-engine.ts',
  // SIPREC calls over UDP and TCP, their RTP paced in real time
  'apps/backend/src/telephony/siprec-caller/siprec-caller.ts',
];

/** Naming the backend's entry point means the test runs it as a process, without a harness. */
const backendEntryPoint = 'apps/backend/src/main.ts';

/** Static imports and re-exports that load a module at run time (`import type` loads nothing). */
const staticImport = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const dynamicImport = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The repo-relative paths of the local modules `source` (the file at `file`) loads. */
export function importedModules(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(staticImport), ...source.matchAll(dynamicImport)].map((m) => m[1]!);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)));
}

/** Whether the test at `file` (repo-relative, with `/`) starts a backend, a database or other processes. */
export function isIntegrationTest(file: string, source: string): boolean {
  return (
    source.includes(backendEntryPoint) ||
    importedModules(file, source).some((module) => integrationHarnesses.includes(module))
  );
}

/** Every `*.test.ts(x)` under `apps/*\/src` and `packages/*\/src`, repo-relative with `/`. */
export function testFiles(repoRoot: string): string[] {
  const found: string[] = [];
  for (const group of ['apps', 'packages']) {
    for (const workspace of fs.readdirSync(path.join(repoRoot, group))) {
      const src = path.join(repoRoot, group, workspace, 'src');
      if (!fs.existsSync(src)) continue;
      for (const entry of fs.readdirSync(src, { recursive: true, encoding: 'utf8' })) {
        if (/\.test\.tsx?$/.test(entry)) found.push(path.posix.join(group, workspace, 'src', ...entry.split(path.sep)));
      }
    }
  }
  return found.sort();
}

/**
 * The integration tests under `repoRoot`. Throws when a harness is gone, since a moved harness
 * would otherwise send every test that uses it to the unit project unnoticed.
 */
export function integrationTestFiles(repoRoot: string): string[] {
  const missing = integrationHarnesses.filter((harness) => !fs.existsSync(path.join(repoRoot, harness)));
  if (missing.length > 0) {
    throw new Error(`scripts/test-projects.ts names harnesses that are gone (moved?): ${missing.join(', ')}`);
  }
  return testFiles(repoRoot).filter((file) =>
    isIntegrationTest(file, fs.readFileSync(path.join(repoRoot, file), 'utf8')),
  );
}
