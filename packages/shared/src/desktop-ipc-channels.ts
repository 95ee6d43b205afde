import type { DesktopApi } from './desktop-api.ts';

// Names only, no schemas: the preload bundles this file and nothing of zod.

/**
 * The Electron desktop serves its pages from this origin; the main process answers IPC, screen
 * capture and navigation only for pages under it.
 */
export const desktopAppScheme = 'vox-app';
export const desktopAppOrigin = `${desktopAppScheme}://desktop`;

/** The DesktopApi methods that cross IPC as request and answer (`ipcRenderer.invoke`). */
export type DesktopInvokeMethod = Exclude<keyof DesktopApi, 'kind' | 'onScreenUploadProgress'>;

export const desktopInvokeChannels = {
  getSettings: 'vox-desktop:get-settings',
  saveBackendUrl: 'vox-desktop:save-backend-url',
  openScreenSpool: 'vox-desktop:open-screen-spool',
  appendScreenChunk: 'vox-desktop:append-screen-chunk',
  uploadScreenSpool: 'vox-desktop:upload-screen-spool',
  uploadPendingScreenSpools: 'vox-desktop:upload-pending-screen-spools',
  listPendingScreenUploads: 'vox-desktop:list-pending-screen-uploads',
  reportStatus: 'vox-desktop:report-status',
  openView: 'vox-desktop:open-view',
} as const satisfies Record<DesktopInvokeMethod, string>;
export type DesktopInvokeChannel = (typeof desktopInvokeChannels)[DesktopInvokeMethod];

/** Main to renderer: progress of a screen upload, sent to the window that asked for it. */
export const screenUploadProgressChannel = 'vox-desktop:screen-upload-progress';
