import type { ScreenUploadProgress } from '@vox/shared';
import { ScreenSpoolError } from './screen-spool.ts';
import { ScreenUploadRefusedError } from './screen-upload.ts';

export type ReportScreenUpload = (progress: ScreenUploadProgress) => void;
export type UploadWithToken = (spoolId: string, token: string, report: ReportScreenUpload) => Promise<void>;

/**
 * A spool whose upload keeps failing (the backend refuses the file, or the token belongs to an
 * agent who may not upload that call) is not sent again and again in one run; it stays on disk
 * and is tried afresh after the next start.
 */
const maxAttemptsPerRun = 3;

/**
 * Screen spools still waiting for their upload: those a crash or a quit left on disk (found at
 * start-up) and those whose upload failed in this run. The main process never holds a token of
 * its own, so they go up with the agent's token the next time an upload succeeds, which is also
 * when the backend is known to be reachable.
 */
export class PendingScreenUploads {
  private readonly waiting = new Set<string>();
  private readonly attempts = new Map<string, number>();
  /** uploads under way: a spool is never sent twice at once */
  private readonly inFlight = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly upload: UploadWithToken) {}

  get spoolIds(): string[] {
    return [...this.waiting];
  }

  add(spoolId: string): void {
    if (!this.inFlight.has(spoolId)) this.waiting.add(spoolId);
  }

  /** Uploads one spool now; on failure it joins the waiting ones, on success they follow it. */
  async uploadNow(spoolId: string, token: string, report: ReportScreenUpload): Promise<void> {
    this.waiting.delete(spoolId);
    await this.attempt(spoolId, token, report);
    void this.retry(token, report);
  }

  /** One pass over the waiting spools, one at a time so the agent's network is not flooded. */
  retry(token: string, report: ReportScreenUpload): Promise<void> {
    this.running ??= (async () => {
      for (const spoolId of [...this.waiting]) {
        if ((this.attempts.get(spoolId) ?? 0) >= maxAttemptsPerRun) continue;
        this.waiting.delete(spoolId);
        // The failure already reached the window through progress; the spool waits again.
        await this.attempt(spoolId, token, report).catch(() => undefined);
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async attempt(spoolId: string, token: string, report: ReportScreenUpload): Promise<void> {
    this.attempts.set(spoolId, (this.attempts.get(spoolId) ?? 0) + 1);
    this.inFlight.add(spoolId);
    try {
      await this.upload(spoolId, token, report);
      this.attempts.delete(spoolId);
    } catch (error) {
      // A spool error means there is nothing left to upload (gone, or empty), and a refusal that
      // the backend will not take it; anything else is the network or the backend, worth another try.
      if (!(error instanceof ScreenSpoolError) && !(error instanceof ScreenUploadRefusedError))
        this.waiting.add(spoolId);
      else this.attempts.delete(spoolId);
      throw error;
    } finally {
      this.inFlight.delete(spoolId);
    }
  }
}
