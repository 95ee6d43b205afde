import fs from 'node:fs/promises';
import path from 'node:path';

/** The newest audit record this backend appended: its sequence number and hash. */
export interface AuditHeadMark {
  seq: number;
  hash: string;
}

/**
 * The audit chain's head, kept in a file outside the database: someone who can write the
 * database can delete the newest records or re-hash the whole chain, but cannot make the record
 * the head names disappear or change unnoticed.
 */
export class AuditHead {
  private writing: Promise<void> = Promise.resolve();
  private written = 0;

  private constructor(
    readonly file: string,
    private newest: AuditHeadMark | undefined,
  ) {}

  static async open(file: string): Promise<AuditHead> {
    const head = new AuditHead(file, undefined);
    head.newest = await head.read();
    return head;
  }

  /** The newest head this backend knows of: the file's when it opened, or the last it wrote since. */
  get latest(): AuditHeadMark | undefined {
    return this.newest;
  }

  /** The head as the file holds it now, or undefined when none was written yet. */
  async read(): Promise<AuditHeadMark | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let mark: Partial<AuditHeadMark> | undefined;
    try {
      mark = JSON.parse(text) as Partial<AuditHeadMark>;
    } catch {
      mark = undefined;
    }
    if (!mark || !Number.isInteger(mark.seq) || typeof mark.hash !== 'string') {
      throw new Error(`the audit head file ${this.file} is damaged: restore it from its backup`);
    }
    return { seq: mark.seq!, hash: mark.hash };
  }

  /**
   * Replaces the head, durably (written, synced, renamed), unless a newer one was written already:
   * appends commit in order, but their head writes may finish out of it.
   */
  advance(mark: AuditHeadMark): Promise<void> {
    if (mark.seq > (this.newest?.seq ?? 0)) this.newest = mark;
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (mark.seq <= this.written) return;
        await this.replace(mark);
        this.written = mark.seq;
      });
    return this.writing;
  }

  private async replace(mark: AuditHeadMark): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const partial = `${this.file}.partial`;
    const handle = await fs.open(partial, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(mark)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(partial, this.file);
    // The rename itself must survive a crash too.
    const directory = await fs.open(path.dirname(this.file), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
