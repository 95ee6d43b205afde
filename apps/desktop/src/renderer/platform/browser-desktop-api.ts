import * as tus from 'tus-js-client';
import {
  errorMessage,
  defaultScreenCaptureSettings,
  pendingScreenUploadOf,
  screenUploadPath,
  screenUploadTusMetadata,
  type DesktopApi,
  type ScreenUploadMetadata,
  type ScreenUploadProgress,
} from '@vox/shared';
import { BrowserScreenSpool, BrowserSpoolFullError } from './browser-screen-spool.ts';

/** Waits between tries of a failed request, then the spool waits in IndexedDB for the next pass. */
const retryDelays = [0, 1000, 3000, 5000, 10000, 20000];

/**
 * The desktop API with web APIs only, for the renderer served at /agent: the spool is IndexedDB
 * and the upload is tus from the page, resumed from the upload URL kept with the spool.
 */
export function createBrowserDesktopApi(
  backendUrl: string,
  openSpool: () => Promise<BrowserScreenSpool> = () => BrowserScreenSpool.open(),
): DesktopApi {
  let spoolStore: Promise<BrowserScreenSpool> | undefined;
  const spool = () => (spoolStore ??= openSpool());
  /** spools this page is recording into; any other spool in `recording` state was cut by a crash */
  const live = new Set<string>();
  const uploading = new Map<string, Promise<void>>();
  const listeners = new Set<(progress: ScreenUploadProgress) => void>();
  const report = (progress: ScreenUploadProgress) => listeners.forEach((listener) => listener(progress));

  const upload = (spoolId: string, token: string): Promise<void> => {
    const running = uploading.get(spoolId);
    if (running) return running;
    const attempt = (async () => {
      const store = await spool();
      let manifest = await store.manifest(spoolId);
      if (manifest.state === 'recording') {
        await store.update(spoolId, { state: 'closed' });
        manifest = { ...manifest, state: 'closed' };
      }
      const file = await store.file(spoolId);
      if (file.size === 0) {
        await store.remove(spoolId);
        throw new Error(`screen spool ${spoolId} holds no video: the capture stopped before its first chunk`);
      }
      await new Promise<void>((resolve, reject) => {
        const tusUpload = new tus.Upload(file, {
          endpoint: `${backendUrl}${screenUploadPath}`,
          uploadUrl: manifest.uploadUrl ?? null,
          headers: { Authorization: `Bearer ${token}` },
          metadata: screenUploadTusMetadata(manifest.metadata),
          chunkSize: 4 * 1024 * 1024,
          retryDelays,
          // The spool keeps the upload URL itself; tus's localStorage would keep it forever.
          storeFingerprintForResuming: false,
          onUploadUrlAvailable: () => {
            if (tusUpload.url) void store.update(spoolId, { uploadUrl: tusUpload.url }).catch(() => undefined);
          },
          onProgress: (bytesSent, bytesTotal) => report({ spoolId, bytesSent, bytesTotal, state: 'uploading' }),
          onSuccess: () => resolve(),
          onError: (error) => reject(error),
        });
        tusUpload.start();
      });
      // Deleted only now that the backend has the last byte.
      await store.remove(spoolId);
      report({ spoolId, bytesSent: file.size, bytesTotal: file.size, state: 'done' });
    })()
      .catch((error: unknown) => {
        const message = `screen upload failed: ${errorMessage(error)}`;
        report({ spoolId, bytesSent: 0, bytesTotal: 0, state: 'failed', message });
        throw new Error(message, { cause: error });
      })
      .finally(() => uploading.delete(spoolId));
    uploading.set(spoolId, attempt);
    return attempt;
  };

  return {
    kind: 'browser',
    getSettings: () => Promise.resolve({ backendUrl, capture: defaultScreenCaptureSettings }),
    // The page's own origin is its backend: there is nothing to change.
    saveBackendUrl: () => Promise.resolve('unchanged'),
    async openScreenSpool(metadata) {
      // Live before it exists: a look for leftovers meanwhile must not take it for a crashed one.
      const spoolId = crypto.randomUUID();
      live.add(spoolId);
      await (await spool()).create(metadata, spoolId);
      return spoolId;
    },
    async appendScreenChunk(spoolId, chunk) {
      const store = await spool();
      try {
        await store.append(spoolId, chunk);
      } catch (error) {
        if (error instanceof BrowserSpoolFullError) {
          // The file ends without the encryption's closing chunk: the upload must say it was cut.
          const { metadata } = await store.manifest(spoolId);
          await store.update(spoolId, { metadata: { ...metadata, interrupted: 'disk_full' } }).catch(() => undefined);
        }
        throw error;
      }
    },
    uploadScreenSpool(spoolId, token) {
      live.delete(spoolId);
      return upload(spoolId, token);
    },
    async uploadPendingScreenSpools(token) {
      const store = await spool();
      for (const manifest of await store.list()) {
        if (live.has(manifest.spoolId)) continue;
        if (manifest.state === 'recording') {
          // Another page (this tab before a reload, or a crashed browser) was recording into it.
          const metadata: ScreenUploadMetadata = { ...manifest.metadata, interrupted: 'crash' };
          await store.update(manifest.spoolId, { state: 'closed', metadata });
        }
        // One after the other: the agent's network also carries the calls.
        await upload(manifest.spoolId, token).catch(() => undefined);
      }
    },
    async listPendingScreenUploads() {
      return (await (await spool()).list()).map((manifest) =>
        pendingScreenUploadOf(manifest, live.has(manifest.spoolId)),
      );
    },
    reportStatus: () => Promise.resolve(),
    openView(view) {
      window.location.assign(`/${view}`);
      return Promise.resolve();
    },
    onScreenUploadProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
