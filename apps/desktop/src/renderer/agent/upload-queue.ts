import type { PendingScreenUpload, ScreenUploadProgress } from '@vox/shared';

/** One screen recording in the agent's upload queue. */
export interface UploadItem {
  spoolId: string;
  connId: string | undefined;
  state: 'recording' | 'waiting' | 'uploading' | 'done' | 'failed';
  bytesSent: number;
  bytesTotal: number;
  interrupted: PendingScreenUpload['interrupted'];
  message: string | undefined;
}

/** A spool the platform still holds; an upload already under way keeps its progress. */
export function pendingToUploadItem(pending: PendingScreenUpload, known: UploadItem | undefined): UploadItem {
  const moving = known && (known.state === 'uploading' || known.state === 'failed');
  return {
    spoolId: pending.spoolId,
    connId: pending.connId,
    state: moving ? known.state : pending.state,
    bytesSent: moving ? known.bytesSent : 0,
    bytesTotal: moving ? known.bytesTotal : pending.bytes,
    interrupted: pending.interrupted,
    message: moving ? known.message : undefined,
  };
}

/** Folds one progress report into the queue: a spool not listed yet joins it. */
export function applyUploadProgress(uploads: UploadItem[], progress: ScreenUploadProgress): UploadItem[] {
  const existing = uploads.find((u) => u.spoolId === progress.spoolId);
  const updated: UploadItem = {
    spoolId: progress.spoolId,
    connId: existing?.connId,
    state: progress.state,
    // A failure reports 0 sent: what had gone up stays shown, the retry resumes from there.
    bytesSent: progress.state === 'failed' ? (existing?.bytesSent ?? 0) : progress.bytesSent,
    bytesTotal: progress.bytesTotal || (existing?.bytesTotal ?? 0),
    interrupted: existing?.interrupted,
    message: progress.message,
  };
  return existing ? uploads.map((u) => (u.spoolId === progress.spoolId ? updated : u)) : [...uploads, updated];
}

export function uploadPercent(item: UploadItem): number | undefined {
  return item.bytesTotal > 0 ? Math.min(100, Math.round((item.bytesSent / item.bytesTotal) * 100)) : undefined;
}
