import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import {
  screenSpoolIdSchema,
  screenUploadMetadataSchema,
  pendingScreenUploadOf,
  type PendingScreenUpload,
  type ScreenUploadMetadata,
} from '@vox/shared';
import { z } from 'zod';

const manifestSchema = z.object({
  spoolId: screenSpoolIdSchema,
  metadata: screenUploadMetadataSchema,
  createdAt: z.iso.datetime({ offset: true }),
  /** `recording` while chunks may still arrive; a spool found in that state was cut by a crash. */
  state: z.enum(['recording', 'closed']),
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** The tus upload URL once the backend created one, so an upload resumes instead of restarting. */
  uploadUrl: z.url().optional(),
});
export type ScreenSpoolManifest = z.infer<typeof manifestSchema>;

export type ScreenSpoolErrorCode = 'unknown_spool' | 'spool_closed' | 'empty_spool' | 'disk_full';

export class ScreenSpoolError extends Error {
  override readonly name = 'ScreenSpoolError';

  constructor(
    readonly code: ScreenSpoolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const manifestFile = 'manifest.json';
const videoFile = 'screen.webm';

/**
 * The screen recording spool on disk: one folder per recording holding the WebM as MediaRecorder
 * yields it and a manifest describing it. Every chunk is on disk (fsynced) before the renderer
 * hears it was appended, so a crash loses at most the chunk being recorded; the folder stays until
 * the backend has the whole file.
 */
export class ScreenSpoolStore {
  /** Writes to one spool run one after the other, so chunks land in order and manifests agree. */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** spools this process opened and is still recording into; any other `recording` one was cut */
  private readonly openedHere = new Set<string>();

  constructor(
    readonly root: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  open(metadata: ScreenUploadMetadata): Promise<ScreenSpoolManifest> {
    const spoolId = randomUUID();
    // Ours before it is on disk: a look for leftovers meanwhile must not take it for a cut one.
    this.openedHere.add(spoolId);
    return this.serially(spoolId, async () => {
      await mkdir(this.folder(spoolId), { recursive: true });
      // The empty file exists from the start so every spool with a manifest has a video to upload.
      await (await open(this.videoPath(spoolId), 'a')).close();
      const manifest: ScreenSpoolManifest = {
        spoolId,
        metadata,
        createdAt: this.now().toISOString(),
        state: 'recording',
        chunks: 0,
        bytes: 0,
      };
      await this.writeManifest(manifest);
      return manifest;
    });
  }

  append(spoolId: string, chunk: Uint8Array): Promise<ScreenSpoolManifest> {
    return this.serially(spoolId, async () => {
      const manifest = await this.readManifest(spoolId);
      if (manifest.state !== 'recording') {
        throw new ScreenSpoolError('spool_closed', `screen spool ${spoolId} is closed: its recording has ended`);
      }
      try {
        const file = await open(this.videoPath(spoolId), 'a');
        try {
          await file.write(chunk);
          await file.sync();
        } finally {
          await file.close();
        }
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        await this.keepWhatWasWritten(manifest);
        throw new ScreenSpoolError(
          'disk_full',
          `disk_full: the disk holding ${this.root} is full; the screen recording stops with the ${manifest.bytes} bytes written`,
        );
      }
      // A crash between the two writes leaves the manifest one chunk behind the file; recovery
      // cuts the file back to what the manifest counts, so a torn chunk never reaches the backend.
      const updated = { ...manifest, chunks: manifest.chunks + 1, bytes: manifest.bytes + chunk.byteLength };
      await this.writeManifest(updated);
      return updated;
    });
  }

  /**
   * Finishes a spool an earlier run was still recording into when it died: the video is cut back
   * to the chunks the manifest counts (whole, fsynced ones), and the upload says it was cut.
   * A spool already closed is returned as it is.
   */
  recover(spoolId: string): Promise<ScreenSpoolManifest> {
    return this.serially(spoolId, async () => {
      const manifest = await this.readManifest(spoolId);
      if (manifest.state !== 'recording') return manifest;
      await truncate(this.videoPath(spoolId), manifest.bytes);
      const recovered: ScreenSpoolManifest = {
        ...manifest,
        state: 'closed',
        metadata: { ...manifest.metadata, interrupted: manifest.metadata.interrupted ?? 'crash' },
      };
      await this.writeManifest(recovered);
      return recovered;
    });
  }

  /** After a failed write on a full disk: drop its torn bytes, close the spool, mark it cut. */
  private async keepWhatWasWritten(manifest: ScreenSpoolManifest): Promise<void> {
    this.openedHere.delete(manifest.spoolId);
    await truncate(this.videoPath(manifest.spoolId), manifest.bytes).catch(() => undefined);
    // The manifest is rewritten through a temporary file, which may not fit either: then the
    // spool stays `recording` and the next start recovers it as cut by a crash.
    await this.writeManifest({
      ...manifest,
      state: 'closed',
      metadata: { ...manifest.metadata, interrupted: 'disk_full' },
    }).catch(() => undefined);
  }

  /** Ends the recording: no more chunks; the spool waits for its upload. */
  close(spoolId: string): Promise<ScreenSpoolManifest> {
    this.openedHere.delete(spoolId);
    return this.update(spoolId, (manifest) => ({ ...manifest, state: 'closed' }));
  }

  /** The spools an earlier run left (a crash, a kill, a failed upload), each finished by `recover`. */
  async leftovers(): Promise<ScreenSpoolManifest[]> {
    const leftovers: ScreenSpoolManifest[] = [];
    for (const spool of await this.list()) {
      if (!this.openedHere.has(spool.spoolId)) leftovers.push(await this.recover(spool.spoolId));
    }
    return leftovers;
  }

  /** Every spool on disk as the agent's upload queue shows it. */
  async pending(): Promise<PendingScreenUpload[]> {
    return (await this.list()).map((spool) => pendingScreenUploadOf(spool, this.openedHere.has(spool.spoolId)));
  }

  rememberUploadUrl(spoolId: string, uploadUrl: string): Promise<ScreenSpoolManifest> {
    return this.update(spoolId, (manifest) => ({ ...manifest, uploadUrl }));
  }

  manifest(spoolId: string): Promise<ScreenSpoolManifest> {
    return this.serially(spoolId, () => this.readManifest(spoolId));
  }

  videoPath(spoolId: string): string {
    return path.join(this.folder(spoolId), videoFile);
  }

  /** Deletes the spool; called only once the backend has confirmed the whole upload. */
  remove(spoolId: string): Promise<void> {
    return this.serially(spoolId, () => rm(this.folder(spoolId), { recursive: true, force: true }));
  }

  /**
   * Every spool on disk, oldest first: at start-up these are recordings a crash or a failed
   * upload left behind. A folder without a readable manifest holds nothing that could be uploaded
   * (the manifest is written before the first chunk) and is skipped.
   */
  async list(): Promise<ScreenSpoolManifest[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const manifests: ScreenSpoolManifest[] = [];
    for (const entry of entries) {
      if (!screenSpoolIdSchema.safeParse(entry).success) continue;
      try {
        manifests.push(await this.manifest(entry));
      } catch {
        // unreadable: see above
      }
    }
    return manifests.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private update(
    spoolId: string,
    change: (manifest: ScreenSpoolManifest) => ScreenSpoolManifest,
  ): Promise<ScreenSpoolManifest> {
    return this.serially(spoolId, async () => {
      const updated = change(await this.readManifest(spoolId));
      await this.writeManifest(updated);
      return updated;
    });
  }

  private folder(spoolId: string): string {
    // Spool ids become folder names: only ids this store could have made are accepted.
    if (!screenSpoolIdSchema.safeParse(spoolId).success) {
      throw new ScreenSpoolError('unknown_spool', `"${spoolId}" is not a screen spool id`);
    }
    return path.join(this.root, spoolId);
  }

  private async readManifest(spoolId: string): Promise<ScreenSpoolManifest> {
    let text: string;
    try {
      text = await readFile(path.join(this.folder(spoolId), manifestFile), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ScreenSpoolError('unknown_spool', `there is no screen spool ${spoolId} in ${this.root}`);
      }
      throw error;
    }
    return manifestSchema.parse(JSON.parse(text));
  }

  /** Write-then-rename, so a crash leaves the old manifest or the new one, never half of one. */
  private async writeManifest(manifest: ScreenSpoolManifest): Promise<void> {
    const target = path.join(this.folder(manifest.spoolId), manifestFile);
    const temporary = `${target}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(JSON.stringify(manifest, null, 2));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
  }

  private serially<T>(spoolId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(spoolId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(spoolId, tail);
    void tail.then(() => {
      if (this.tails.get(spoolId) === tail) this.tails.delete(spoolId);
    });
    return next;
  }
}

function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
