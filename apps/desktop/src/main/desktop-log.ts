import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';

export interface DesktopLogOptions {
  /** the log file; rotated ones are `<name>.1.log` (newest) to `<name>.<keep>.log` */
  file: string;
  maxBytes?: number;
  keep?: number;
  now?: () => Date;
}

/**
 * The desktop's log file, rotated by size, so a support engineer can read what happened on an
 * agent's PC over the last shifts without the log ever filling the disk the spool needs.
 * Writes are synchronous: the last lines before a crash are the ones that matter.
 */
export class DesktopLog {
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly now: () => Date;
  private size: number;

  constructor(private readonly options: DesktopLogOptions) {
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 5;
    this.now = options.now ?? (() => new Date());
    mkdirSync(path.dirname(options.file), { recursive: true });
    this.size = sizeOf(options.file);
  }

  write(level: 'info' | 'warn' | 'error', ...args: unknown[]): void {
    const line = `${this.now().toISOString()} ${level.toUpperCase()} ${format(...args)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    try {
      appendFileSync(this.options.file, line);
      this.size += bytes;
    } catch {
      // A full disk must not take the desktop down with it; the spool reports that itself.
    }
  }

  /** Sends console output to the file too, keeping it on the terminal. */
  captureConsole(target: Pick<Console, 'log' | 'warn' | 'error'> = console): void {
    for (const [method, level] of [
      ['log', 'info'],
      ['warn', 'warn'],
      ['error', 'error'],
    ] as const) {
      const original = target[method].bind(target);
      target[method] = (...args: unknown[]) => {
        this.write(level, ...args);
        original(...args);
      };
    }
  }

  /** The rotated file `index` (1 is the newest). */
  rotated(index: number): string {
    const { dir, name, ext } = path.parse(this.options.file);
    return path.join(dir, `${name}.${index}${ext}`);
  }

  private rotate(): void {
    try {
      rmSync(this.rotated(this.keep), { force: true });
      for (let i = this.keep - 1; i >= 1; i--) {
        if (sizeOf(this.rotated(i)) > 0) renameSync(this.rotated(i), this.rotated(i + 1));
      }
      renameSync(this.options.file, this.rotated(1));
      this.size = 0;
    } catch {
      // Rotation failed (a file held open on Windows): keep appending to the current file.
    }
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
