import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { errorMessage, screenUploadPath, screenUploadTusMetadata, type ScreenUploadProgress } from '@vox/shared';
import * as tus from 'tus-js-client';
import { ScreenSpoolError, type ScreenSpoolStore } from './screen-spool.ts';

export interface ScreenSpoolUploadRequest {
  store: ScreenSpoolStore;
  spoolId: string;
  backendUrl: string;
  token: string;
  onProgress(progress: ScreenUploadProgress): void;
  /** Waits between retries of a failed request; tests shorten them. */
  retryDelays?: number[];
}

/**
 * The backend refused the recording itself (not encrypted as it requires, not a WebM, a foreign
 * cipher header): sending it again changes nothing. The spool stays on disk for support to look at.
 */
export class ScreenUploadRefusedError extends Error {
  override readonly name = 'ScreenUploadRefusedError';
}

/** The backend's reason when it refused the upload (422 on the last PATCH, 410 on a resume of it). */
function refusalOf(error: unknown): string | undefined {
  if (!(error instanceof tus.DetailedError)) return undefined;
  const status = error.originalResponse?.getStatus();
  if (status !== 422 && status !== 410) return undefined;
  const body = error.originalResponse?.getBody() ?? '';
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not the backend's JSON: the status says enough
  }
  return `the backend refused the screen recording (${status})`;
}

/** Large enough to keep requests few, small enough that a dropped request repeats little. */
const chunkSize = 4 * 1024 * 1024;
const defaultRetryDelays = [0, 1000, 3000, 5000, 10000];

/**
 * Closes a spool and uploads its WebM with tus, resuming from the upload URL a previous attempt
 * left in the manifest. The folder is deleted only after the backend has accepted the last byte;
 * on failure it stays for the next attempt.
 */
export async function uploadScreenSpool(request: ScreenSpoolUploadRequest): Promise<void> {
  const { store, spoolId, onProgress } = request;
  const manifest = await store.close(spoolId);
  const videoPath = store.videoPath(spoolId);
  const { size } = await stat(videoPath);
  if (size === 0) {
    // Capture stopped before MediaRecorder yielded anything: there is no video to keep.
    await store.remove(spoolId);
    const message = `screen spool ${spoolId} holds no video: the capture stopped before its first chunk`;
    onProgress({ spoolId, bytesSent: 0, bytesTotal: 0, state: 'failed', message });
    throw new ScreenSpoolError('empty_spool', message);
  }

  const { metadata } = manifest;
  // tus-js-client reads a file-backed ReadStream by path, slice by slice, instead of buffering it.
  const file = createReadStream(videoPath);
  try {
    await new Promise<void>((resolve, reject) => {
      const upload = new tus.Upload(file, {
        endpoint: `${request.backendUrl}${screenUploadPath}`,
        uploadUrl: manifest.uploadUrl ?? null,
        headers: { Authorization: `Bearer ${request.token}` },
        metadata: screenUploadTusMetadata(metadata),
        chunkSize,
        retryDelays: request.retryDelays ?? defaultRetryDelays,
        onUploadUrlAvailable: () => {
          if (upload.url) void store.rememberUploadUrl(spoolId, upload.url).catch(() => undefined);
        },
        onProgress: (bytesSent, bytesTotal) => onProgress({ spoolId, bytesSent, bytesTotal, state: 'uploading' }),
        onSuccess: () => resolve(),
        onError: (error) => reject(error),
      });
      upload.start();
    });
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) {
      onProgress({ spoolId, bytesSent: 0, bytesTotal: size, state: 'failed', message: refusal });
      throw new ScreenUploadRefusedError(refusal, { cause: error });
    }
    const message = `screen upload of spool ${spoolId} failed: ${errorMessage(error)}`;
    onProgress({ spoolId, bytesSent: 0, bytesTotal: size, state: 'failed', message });
    throw new Error(message, { cause: error });
  } finally {
    // The open descriptor would keep Windows from deleting the folder.
    file.destroy();
  }
  await store.remove(spoolId);
  onProgress({ spoolId, bytesSent: size, bytesTotal: size, state: 'done' });
}
