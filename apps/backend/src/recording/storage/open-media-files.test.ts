import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenMediaFiles } from './open-media-files.ts';

/** The file descriptors this process has open on files under `dir`. */
async function openUnder(dir: string): Promise<number> {
  const fds = await fs.readdir('/proc/self/fd');
  let count = 0;
  for (const fd of fds) {
    const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) count++;
  }
  return count;
}

describe('open media files', () => {
  let dir: string;
  let files: OpenMediaFiles;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-open-files-'));
    files = new OpenMediaFiles({ maxOpen: 2, idleMs: 100 });
  });

  afterEach(async () => {
    files.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads ranges through one handle a file, and reads a replaced file afresh once told', async () => {
    const file = path.join(dir, 'a.mp3');
    await fs.writeFile(file, 'abcdefghij');
    expect((await files.read(file, 2, 4)).toString()).toBe('cde');
    expect((await files.read(file, 8, 20)).toString()).toBe('ij');
    expect(await openUnder(dir)).toBe(1);
    // Replaced as storage replaces a file (a new one renamed over it): the old handle reads the old one.
    await fs.writeFile(`${file}.partial`, 'ABCDEFGHIJ');
    await fs.rename(`${file}.partial`, file);
    expect((await files.read(file, 0, 2)).toString()).toBe('abc');
    files.forget(file);
    expect((await files.read(file, 0, 2)).toString()).toBe('ABC');
    // Replaced by someone else (a backup restored): noticed within a second.
    await fs.writeFile(`${file}.partial`, '0123456789');
    await fs.rename(`${file}.partial`, file);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await files.read(file, 0, 2)).toString()).toBe('012');
  });

  it('keeps at most its bound open, closes idle handles, and fails a read of a missing file', async () => {
    for (const name of ['a', 'b', 'c']) await fs.writeFile(path.join(dir, name), name.repeat(10));
    await Promise.all(['a', 'b', 'c'].map((name) => files.read(path.join(dir, name), 0, 1)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await openUnder(dir)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await openUnder(dir)).toBe(0);
    await expect(files.read(path.join(dir, 'missing'), 0, 1)).rejects.toThrow(/ENOENT/);
    expect((await files.read(path.join(dir, 'a'), 0, 0)).toString()).toBe('a');
  });
});
