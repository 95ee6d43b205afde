import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageError, type MediaStorage, type StoredObject } from './media-storage.ts';
import { OpenMediaFiles } from './open-media-files.ts';
import { errorMessage } from '@vox/shared';

/** The embedded default: files under a local directory, written to a temporary name and renamed. */
export class LocalDirectoryStorage implements MediaStorage {
  private readonly openFiles = new OpenMediaFiles();

  constructor(private readonly root: string) {}

  async putFile(objectPath: string, sourceFile: string): Promise<StoredObject> {
    const target = this.resolve(objectPath);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    const hash = createHash('sha256');
    const source = createReadStream(sourceFile);
    source.on('data', (chunk) => hash.update(chunk));
    await pipeline(source, createWriteStream(partial));
    const handle = await fs.open(partial, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const [stored, original] = await Promise.all([fs.stat(partial), fs.stat(sourceFile)]);
    if (stored.size !== original.size) {
      await fs.rm(partial, { force: true });
      throw new StorageError(`stored ${stored.size} of ${original.size} bytes of ${objectPath}`);
    }
    await fs.rename(partial, target);
    this.openFiles.forget(target);
    return { path: objectPath, size: stored.size, sha256: hash.digest('hex') };
  }

  async read(objectPath: string, range?: { start: number; end: number }): Promise<Readable> {
    const file = this.resolve(objectPath);
    await fs.access(file);
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async readBytes(objectPath: string, range: { start: number; end: number }): Promise<Buffer> {
    return this.openFiles.read(this.resolve(objectPath), range.start, range.end);
  }

  async size(objectPath: string): Promise<number> {
    return (await fs.stat(this.resolve(objectPath))).size;
  }

  async delete(objectPath: string): Promise<void> {
    const file = this.resolve(objectPath);
    this.openFiles.forget(file);
    await fs.rm(file, { force: true });
  }

  async probe(): Promise<void> {
    try {
      await fs.mkdir(this.root, { recursive: true });
      if (!(await fs.stat(this.root)).isDirectory()) throw new Error('it is not a directory');
      await fs.access(this.root, constants.W_OK);
    } catch (error) {
      throw new StorageError(`the media directory ${this.root} is not usable: ${errorMessage(error)}`);
    }
  }

  private resolve(objectPath: string): string {
    const resolved = path.resolve(this.root, objectPath);
    if (!resolved.startsWith(path.resolve(this.root) + path.sep)) {
      throw new StorageError(`object path escapes the storage root: ${objectPath}`);
    }
    return resolved;
  }
}
