import * as tus from 'tus-js-client';
import { screenUploadPath, type DesktopApi, type ScreenUploadMetadata, type ScreenUploadProgress } from '@vox/shared';

interface BrowserSpool {
  metadata: ScreenUploadMetadata;
  chunks: Blob[];
}

/**
 * The desktop API with web APIs only, for the renderer served at /agent: the spool is the list of
 * recorded chunks and the upload is tus from the page.
 */
export function createBrowserDesktopApi(backendUrl: string): DesktopApi {
  const spools = new Map<string, BrowserSpool>();
  const listeners = new Set<(progress: ScreenUploadProgress) => void>();
  const report = (progress: ScreenUploadProgress) => listeners.forEach((listener) => listener(progress));
  return {
    kind: 'browser',
    getSettings: () => Promise.resolve({ backendUrl }),
    openScreenSpool(metadata) {
      const spoolId = crypto.randomUUID();
      spools.set(spoolId, { metadata, chunks: [] });
      return Promise.resolve(spoolId);
    },
    appendScreenChunk(spoolId, chunk) {
      const spool = spools.get(spoolId);
      if (!spool) return Promise.reject(new Error(`no screen spool ${spoolId}`));
      spool.chunks.push(new Blob([chunk as Uint8Array<ArrayBuffer>], { type: 'video/webm' }));
      return Promise.resolve();
    },
    uploadScreenSpool(spoolId, token) {
      const spool = spools.get(spoolId);
      if (!spool) return Promise.reject(new Error(`no screen spool ${spoolId}`));
      const file = new Blob(spool.chunks, { type: 'video/webm' });
      return new Promise<void>((resolve, reject) => {
        const metadata: Record<string, string> = {
          connId: spool.metadata.connId,
          filetype: spool.metadata.filetype,
          startedAt: spool.metadata.startedAt,
          ...(spool.metadata.recordingId ? { recordingId: spool.metadata.recordingId } : {}),
        };
        const upload = new tus.Upload(file, {
          endpoint: `${backendUrl}${screenUploadPath}`,
          headers: { Authorization: `Bearer ${token}` },
          metadata,
          chunkSize: 4 * 1024 * 1024,
          retryDelays: [0, 1000, 3000, 5000, 10000],
          removeFingerprintOnSuccess: true,
          onProgress: (bytesSent, bytesTotal) => report({ spoolId, bytesSent, bytesTotal, state: 'uploading' }),
          onSuccess: () => {
            spools.delete(spoolId);
            report({ spoolId, bytesSent: file.size, bytesTotal: file.size, state: 'done' });
            resolve();
          },
          onError: (error) => {
            report({ spoolId, bytesSent: 0, bytesTotal: file.size, state: 'failed', message: error.message });
            reject(error);
          },
        });
        upload.start();
      });
    },
    onScreenUploadProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
