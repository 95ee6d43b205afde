import type { Readable } from 'node:stream';

export interface StoredObject {
  /** where the object lives, relative to the storage root */
  path: string;
  size: number;
  sha256: string;
}

/** Where recordings go (GIR: WebDAV). A put resolves only once the whole file is confirmed stored. */
export interface MediaStorage {
  putFile(path: string, sourceFile: string): Promise<StoredObject>;
  /** Byte range, both ends inclusive, as in HTTP Range. */
  read(path: string, range?: { start: number; end: number }): Promise<Readable>;
  /** A byte range (both ends inclusive) read whole: a player's seek, a few kilobytes. */
  readBytes(path: string, range: { start: number; end: number }): Promise<Buffer>;
  size(path: string): Promise<number>;
  /** Removes the object; one already gone counts as removed. */
  delete(path: string): Promise<void>;
  /**
   * Resolves when storage answers and takes writes now; otherwise throws a StorageError saying why.
   * Cheap enough for a readiness probe every few seconds: it moves no media.
   */
  probe(timeoutMs: number): Promise<void>;
}

export class StorageError extends Error {}
