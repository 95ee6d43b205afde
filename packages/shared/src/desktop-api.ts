import type { ScreenUploadMetadata } from './screen-upload.ts';

/** Settings the agent desktop keeps per user. */
export interface DesktopSettings {
  backendUrl: string;
}

export interface ScreenUploadProgress {
  spoolId: string;
  bytesSent: number;
  bytesTotal: number;
  state: 'uploading' | 'done' | 'failed';
  message?: string;
}

/**
 * The one API the renderer talks to. In Electron the preload implements it over IPC (the spool
 * lives on disk in the main process); in a plain browser the browser adapter implements it with
 * web APIs. Views and the screen recorder depend on this and nothing else of the platform.
 */
export interface DesktopApi {
  readonly kind: 'electron' | 'browser';
  getSettings(): Promise<DesktopSettings>;
  /** Opens a spool for one screen recording; chunks are appended as MediaRecorder yields them. */
  openScreenSpool(metadata: ScreenUploadMetadata): Promise<string>;
  appendScreenChunk(spoolId: string, chunk: Uint8Array): Promise<void>;
  /** Closes the spool and uploads it (tus); resolves when the backend has the whole file. */
  uploadScreenSpool(spoolId: string, token: string): Promise<void>;
  onScreenUploadProgress(listener: (progress: ScreenUploadProgress) => void): () => void;
}
