import fs, { type FileHandle } from 'node:fs/promises';

/** How often a kept handle's path is checked for a file put there by someone else. */
const replacedCheckMs = 1000;

interface OpenFile {
  handle: Promise<FileHandle>;
  /** the inode the handle reads, and when the path was last seen to still name it */
  inode: Promise<number>;
  checkedAt: number;
  /** reads under way: the handle is closed only once they are done */
  readers: number;
  lastUsed: number;
  forgotten: boolean;
  closed: boolean;
}

/**
 * Read handles of stored media files, kept open while players seek through them: a Range request
 * then costs one positional read instead of an open, a read and a close. Stored files are written
 * to a new name and renamed into place, so a handle always reads the object as it was when
 * opened: `forget` (on every put and delete of that object) makes the next read open it afresh,
 * and a file replaced by someone else (a backup restored) is noticed within a second.
 */
export class OpenMediaFiles {
  private readonly files = new Map<string, OpenFile>();
  /** runs while any file is open */
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly limits = { maxOpen: 256, idleMs: 30_000 }) {}

  /** Bytes [start, end] of the file (both inclusive); fewer when the file ends first. */
  async read(file: string, start: number, end: number): Promise<Buffer> {
    let open = this.opened(file);
    if (Date.now() - open.checkedAt > replacedCheckMs) {
      open.checkedAt = Date.now();
      const [now, opened] = await Promise.all([fs.stat(file).catch(() => undefined), open.inode.catch(() => -1)]);
      if (now?.ino !== opened) {
        this.release(open);
        if (this.files.get(file) === open) this.forget(file);
        open = this.opened(file);
      }
    }
    try {
      const handle = await open.handle;
      const buffer = Buffer.allocUnsafe(end - start + 1);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      if (this.files.get(file) === open) this.forget(file);
      throw error;
    } finally {
      this.release(open);
    }
  }

  private release(open: OpenFile): void {
    open.readers--;
    open.lastUsed = Date.now();
    if (open.forgotten) this.closeWhenIdle(open);
  }

  /** The file was replaced or removed: the next read opens it again. */
  forget(file: string): void {
    const open = this.files.get(file);
    if (!open) return;
    this.files.delete(file);
    open.forgotten = true;
    this.closeWhenIdle(open);
  }

  close(): void {
    for (const file of [...this.files.keys()]) this.forget(file);
    this.stopSweeping();
  }

  /** The file's entry, counted as read from (so it is not closed under the read). */
  private opened(file: string): OpenFile {
    const known = this.files.get(file);
    if (known) {
      // Most recently used last: the first entry is the one to close when too many are open.
      this.files.delete(file);
      this.files.set(file, known);
      known.readers++;
      return known;
    }
    const handle = fs.open(file, 'r');
    const open: OpenFile = {
      handle,
      inode: handle.then(async (h) => (await h.stat()).ino),
      checkedAt: Date.now(),
      readers: 1,
      lastUsed: Date.now(),
      forgotten: false,
      closed: false,
    };
    open.handle.catch(() => this.files.get(file) === open && this.files.delete(file));
    open.inode.catch(() => undefined);
    this.files.set(file, open);
    if (this.files.size > this.limits.maxOpen) this.forget(this.files.keys().next().value!);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.closeIdle(), this.limits.idleMs);
      this.sweeper.unref();
    }
    return open;
  }

  private closeWhenIdle(open: OpenFile): void {
    if (open.readers > 0 || open.closed) return;
    open.closed = true;
    open.handle.then(
      (handle) => handle.close().catch(() => undefined),
      () => undefined,
    );
  }

  private closeIdle(): void {
    const before = Date.now() - this.limits.idleMs;
    for (const [file, open] of this.files) if (open.readers === 0 && open.lastUsed < before) this.forget(file);
    if (this.files.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
