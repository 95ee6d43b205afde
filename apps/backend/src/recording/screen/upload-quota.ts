/** What one user may have on its way in at once. */
export interface UploadQuotaLimits {
  activeUploads: number;
  activeBytes: number;
}

export const defaultUploadQuotaLimits: UploadQuotaLimits = {
  // A desktop uploads one recording at a time; a few more wait after a long outage.
  activeUploads: 4,
  // Two 8-hour shifts' worth.
  activeBytes: 8 * 1024 ** 3,
};

/**
 * The unfinished screen uploads of each user, so one login cannot fill the server's disk with
 * uploads it never finishes. Kept in memory: after a restart the quota starts afresh, and the
 * expiry of unfinished uploads cleans up what was left.
 */
export class UploadQuota {
  /** upload id -> who opened it and how large it will be */
  private readonly active = new Map<string, { userId: string; bytes: number }>();

  constructor(private readonly limits: UploadQuotaLimits = defaultUploadQuotaLimits) {}

  /** Why the user may not open another upload of `bytes`, or undefined. */
  refusal(userId: string, bytes: number): string | undefined {
    const mine = [...this.active.values()].filter((u) => u.userId === userId);
    if (mine.length >= this.limits.activeUploads) {
      return `${mine.length} unfinished uploads already: finish or delete one first`;
    }
    const pending = mine.reduce((sum, u) => sum + u.bytes, 0);
    if (pending + bytes > this.limits.activeBytes) {
      return `unfinished uploads would hold ${Math.ceil((pending + bytes) / 1024 ** 2)} MiB, more than the ${this.limits.activeBytes / 1024 ** 2} MiB allowed`;
    }
    return undefined;
  }

  opened(uploadId: string, userId: string, bytes: number): void {
    this.active.set(uploadId, { userId, bytes });
  }

  closed(uploadId: string): void {
    this.active.delete(uploadId);
  }

  /** Forgets uploads that are gone (expired, deleted). */
  async prune(exists: (uploadId: string) => Promise<boolean>): Promise<void> {
    for (const uploadId of [...this.active.keys()]) if (!(await exists(uploadId))) this.active.delete(uploadId);
  }
}
