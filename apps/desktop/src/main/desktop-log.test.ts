import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DesktopLog } from './desktop-log.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vox-log-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DesktopLog', () => {
  it('writes timestamped lines with their level', async () => {
    const log = new DesktopLog({
      file: path.join(dir, 'logs', 'main.log'),
      now: () => new Date('2026-11-30T08:00:00Z'),
    });
    log.write('warn', 'upload of %s failed', 'spool-1');
    expect(await readFile(path.join(dir, 'logs', 'main.log'), 'utf8')).toBe(
      '2026-11-30T08:00:00.000Z WARN upload of spool-1 failed\n',
    );
  });

  it('rotates by size and keeps only the newest files', async () => {
    const file = path.join(dir, 'main.log');
    const log = new DesktopLog({ file, maxBytes: 100, keep: 2, now: () => new Date('2026-11-30T08:00:00Z') });
    // Each line is 50 bytes: two fit in a file.
    for (let i = 0; i < 7; i++) log.write('info', `line ${i} ${'x'.repeat(12)}`);
    expect((await readdir(dir)).sort()).toEqual(['main.1.log', 'main.2.log', 'main.log']);
    expect(await readFile(file, 'utf8')).toMatch(/line 6/);
    expect(await readFile(path.join(dir, 'main.1.log'), 'utf8')).toMatch(/line 4[^]*line 5/);
    expect(await readFile(path.join(dir, 'main.2.log'), 'utf8')).toMatch(/line 2[^]*line 3/);
  });

  it('keeps writing console output to the terminal as well', async () => {
    const file = path.join(dir, 'main.log');
    const printed: unknown[][] = [];
    const target = { log: (...a: unknown[]) => printed.push(a), warn: () => undefined, error: () => undefined };
    new DesktopLog({ file }).captureConsole(target);
    target.log('started', 3);
    expect(printed).toEqual([['started', 3]]);
    expect(await readFile(file, 'utf8')).toMatch(/INFO started 3\n$/);
  });
});
