import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: repoRoot });

/** The lint messages for `code` as if it were the backend file at `file` (relative to src). */
async function lintAs(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, 'apps/backend/src', file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the backend layers (api -> telephony -> recording -> platform)', () => {
  it('refuse an import against the direction, naming the rule', async () => {
    const upwards: Array<[string, string]> = [
      ['platform/media/planted.ts', "import { parseMsml } from '../../telephony/sip/msml.ts';"],
      ['platform/db/planted.ts', "import { StorageOutbox } from '../../recording/storage/storage-outbox.ts';"],
      [
        'recording/screen/planted.ts',
        "import { MediaEngine } from '../../telephony/mcp/audio-engine/media-engine.ts';",
      ],
      ['telephony/mcp/planted.ts', "import { registerRecordingRoutes } from '../../api/recording-routes.ts';"],
      ['recording/recordings/planted.ts', "import Fastify from 'fastify';"],
    ];
    for (const [file, code] of upwards) {
      const messages = await lintAs(file, `${code}\nexport const planted = 1;\n`);
      expect(messages, file).toHaveLength(1);
      expect(messages[0]).toMatch(/sits below|never imports the API layer/);
    }
  });

  it('let an import go downwards', async () => {
    const downwards: Array<[string, string]> = [
      ['telephony/mcp/planted.ts', "import { StorageOutbox } from '../../recording/storage/storage-outbox.ts';"],
      ['recording/analytics/planted.ts', "import { DtmfDetector } from '../../platform/media/dtmf.ts';"],
      ['platform/media/planted.ts', "import { errorMessage } from '@vox/shared';"],
    ];
    for (const [file, code] of downwards) {
      expect(await lintAs(file, `${code}\nexport const planted = 1;\n`), file).toEqual([]);
    }
  });
});
