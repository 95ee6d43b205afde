import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importedModules, integrationHarnesses, integrationTestFiles, isIntegrationTest } from './test-projects.ts';

const testFile = 'apps/backend/src/recording/storage/example.test.ts';

describe('importedModules', () => {
  it('resolves the relative imports, re-exports and dynamic imports against the file', () => {
    const source = [
      "import fs from 'node:fs';",
      "import { z } from 'zod';",
      'import {',
      '  VoxTestBackend,',
      '  type ApiAnswer,',
      "} from '../../test-support/vox-test-backend.ts';",
      "import './side-effect.ts';",
      "export { StorageOutbox } from './storage-outbox.ts';",
      "const { startVox } = await import('../../server.ts');",
    ].join('\n');
    expect(importedModules(testFile, source)).toEqual([
      'apps/backend/src/test-support/vox-test-backend.ts',
      'apps/backend/src/recording/storage/side-effect.ts',
      'apps/backend/src/recording/storage/storage-outbox.ts',
      'apps/backend/src/server.ts',
    ]);
  });

  it('skips type-only imports and import statements quoted inside the code', () => {
    const source = [
      "import type { Database } from '../../platform/db/database.ts';",
      'const planted = [',
      `  "import { MediaEngine } from '../../telephony/mcp/audio-engine/media-engine.ts';",`,
      '];',
    ].join('\n');
    expect(importedModules(testFile, source)).toEqual([]);
  });
});

describe('isIntegrationTest', () => {
  it('is true for a test that imports a harness, however the path is written', () => {
    expect(
      isIntegrationTest(testFile, "import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';"),
    ).toBe(true);
    expect(
      isIntegrationTest('apps/backend/src/server.test.ts', "import { runSipp } from './test-support/sipp.ts';"),
    ).toBe(true);
  });

  it('is true for a test that runs the backend entry point as a process', () => {
    const source = "const mainScript = path.join(repoRoot, 'apps/backend/src/main.ts');";
    expect(isIntegrationTest(testFile, source)).toBe(true);
  });

  it('is false for a test of a module on its own, or one that only names a harness type', () => {
    expect(isIntegrationTest(testFile, "import { StorageOutbox } from './storage-outbox.ts';")).toBe(false);
    expect(isIntegrationTest(testFile, "import type { Database } from '../../platform/db/database.ts';")).toBe(false);
  });
});

describe('integrationTestFiles', () => {
  let repoRoot: string;
  const write = (file: string, content = '') => {
    fs.mkdirSync(path.dirname(path.join(repoRoot, file)), { recursive: true });
    fs.writeFileSync(path.join(repoRoot, file), content);
  };

  beforeEach(() => {
    repoRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'vox-test-projects-'));
    for (const harness of integrationHarnesses) write(harness);
    write('apps/backend/src/server.test.ts', "import { VoxTestBackend } from './test-support/vox-test-backend.ts';");
    write('apps/backend/src/platform/db/embedded-database.test.ts', "import { x } from './embedded-database.ts';");
    write('apps/backend/src/api/http-range.test.ts', "import { parseRange } from './http-range.ts';");
    write('apps/desktop/src/renderer/agent/AgentApp.test.tsx', "import { AgentApp } from './AgentApp.tsx';");
    write('packages/shared/src/sim.test.ts', "import { sim } from './sim.ts';");
    write('packages/shared/README.md');
  });

  afterEach(() => {
    fs.rmSync(repoRoot, { recursive: true, force: true });
  });

  it('lists the test files of every workspace that start a harness, and no others', () => {
    expect(integrationTestFiles(repoRoot)).toEqual([
      'apps/backend/src/platform/db/embedded-database.test.ts',
      'apps/backend/src/server.test.ts',
    ]);
  });

  it('refuses to split when a harness is gone, naming it', () => {
    fs.rmSync(path.join(repoRoot, 'apps/backend/src/test-support/sipp.ts'));
    expect(() => integrationTestFiles(repoRoot)).toThrow(/apps\/backend\/src\/test-support\/sipp\.ts/);
  });
});
