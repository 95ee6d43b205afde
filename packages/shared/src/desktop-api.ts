import type { ScreenUploadMetadata } from './screen-upload.ts';

/** How the desktop captures the screen; a contact centre tunes these for its agents' PCs. */
export interface ScreenCaptureSettings {
  /** frames per second asked of the capture (15 keeps ~90% of frames on a busy 2-core PC) */
  frameRate: number;
  /** the capture is scaled down to fit within these, never up */
  maxWidth: number;
  maxHeight: number;
  /** the video bitrate asked of MediaRecorder */
  videoBitsPerSecond: number;
}

export const defaultScreenCaptureSettings: ScreenCaptureSettings = {
  frameRate: 15,
  maxWidth: 1920,
  maxHeight: 1080,
  videoBitsPerSecond: 1_000_000,
};

/** Settings the agent desktop keeps per user. */
export interface DesktopSettings {
  backendUrl: string;
  capture: ScreenCaptureSettings;
}

/**
 * What came of a page asking for another backend: `changed` once the user confirmed it (the page
 * is reloaded under it), `declined` when the user kept the old one, `unchanged` when it was the
 * same backend.
 */
export type BackendUrlChangeOutcome = 'changed' | 'declined' | 'unchanged';

export interface ScreenUploadProgress {
  spoolId: string;
  bytesSent: number;
  bytesTotal: number;
  state: 'uploading' | 'done' | 'failed';
  message?: string;
}

/** A screen recording kept on this PC until the backend has stored it. */
export interface PendingScreenUpload {
  spoolId: string;
  connId: string;
  /** bytes spooled so far */
  bytes: number;
  /** `recording`: chunks still arrive; `waiting`: closed, its upload has not finished */
  state: 'recording' | 'waiting';
  /** the recording was cut short (the desktop crashed or the disk filled up) */
  interrupted?: 'crash' | 'disk_full';
}

/**
 * How the upload queue shows a spool (either platform's): `live` when this run is recording into
 * it; a spool still `recording` that is not live was cut by a crash and waits for its upload.
 */
export function pendingScreenUploadOf(
  spool: { spoolId: string; metadata: ScreenUploadMetadata; bytes: number; state: 'recording' | 'closed' },
  live: boolean,
): PendingScreenUpload {
  return {
    spoolId: spool.spoolId,
    connId: spool.metadata.connId,
    bytes: spool.bytes,
    state: spool.state === 'recording' && live ? 'recording' : 'waiting',
    ...(spool.metadata.interrupted ? { interrupted: spool.metadata.interrupted } : {}),
  };
}

/** What the agent desktop is doing, for the tray icon (Electron) or the tab title (browser). */
export type DesktopStatus = 'idle' | 'recording' | 'paused' | 'uploading' | 'offline';

/**
 * The one API the renderer talks to. In Electron the preload implements it over IPC (the spool
 * lives on disk in the main process); in a plain browser the browser adapter implements it with
 * web APIs (the spool lives in IndexedDB). Views and the screen recorder depend on this and
 * nothing else of the platform.
 */
export interface DesktopApi {
  readonly kind: 'electron' | 'browser';
  getSettings(): Promise<DesktopSettings>;
  /**
   * Asks to make `backendUrl` the backend this desktop talks to, kept in the settings. In Electron
   * it must be https:// (http:// only on this computer) and the user confirms the change in a
   * dialog of the main process; the pages may reach only the configured backend (their content
   * security policy), so the main process reloads the asking page after a change.
   */
  saveBackendUrl(backendUrl: string): Promise<BackendUrlChangeOutcome>;
  /** Opens a spool for one screen recording; chunks are appended as MediaRecorder yields them. */
  openScreenSpool(metadata: ScreenUploadMetadata): Promise<string>;
  /**
   * Appends one chunk, durably. Rejects with a message starting `disk_full:` when the disk (or the
   * browser's storage quota) is full: what was appended before stays.
   */
  appendScreenChunk(spoolId: string, chunk: Uint8Array): Promise<void>;
  /** Closes the spool and uploads it (tus); resolves when the backend has the whole file. */
  uploadScreenSpool(spoolId: string, token: string): Promise<void>;
  /**
   * Uploads every spool an earlier run left behind (a crash, a kill, a failed upload), finishing
   * a cut one first. Resolves when each was tried; failures stay queued and are reported.
   */
  uploadPendingScreenSpools(token: string): Promise<void>;
  /** The screen recordings on this PC that the backend does not have yet. */
  listPendingScreenUploads(): Promise<PendingScreenUpload[]>;
  /**
   * Opens the view for a role: in Electron its own window (a supervisor who logged in at the
   * agent window gets the supervisor window), in a browser that page.
   */
  openView(view: 'agent' | 'supervisor'): Promise<void>;
  /** Shows what the desktop is doing where the agent sees it outside the window. */
  reportStatus(status: DesktopStatus): Promise<void>;
  onScreenUploadProgress(listener: (progress: ScreenUploadProgress) => void): () => void;
}
