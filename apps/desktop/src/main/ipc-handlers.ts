import {
  desktopInvokeChannels,
  type BackendUrlChangeOutcome,
  screenUploadProgressChannel,
  type DesktopInvokeArgs,
  type DesktopInvokeMethod,
  type DesktopInvokeResult,
  type DesktopSettings,
  type DesktopStatus,
  type ScreenUploadProgress,
} from '@vox/shared';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { frameUrl } from './app-url.ts';
import { checkDesktopInvoke } from './ipc-request.ts';
import type { ScreenSpoolStore } from './screen-spool.ts';

/** What the IPC handlers act on; main.ts wires the real ones, tests their own. */
export interface DesktopIpcServices {
  settings(): DesktopSettings;
  /** checks a backend URL a page asks for, and keeps it once the user confirms the change */
  saveBackendUrl(backendUrl: string, sender: WebContents): Promise<BackendUrlChangeOutcome>;
  screenSpools: ScreenSpoolStore;
  uploadScreenSpool(spoolId: string, token: string, report: (progress: ScreenUploadProgress) => void): Promise<void>;
  /** finishes and uploads what an earlier run left on disk */
  uploadPendingScreenSpools(token: string, report: (progress: ScreenUploadProgress) => void): Promise<void>;
  /** shows the desktop's state in the tray */
  showStatus(status: DesktopStatus): void;
  /** opens (or brings forward) the window of a view */
  openView(view: 'agent' | 'supervisor'): void;
}

type InvokeHandler<M extends DesktopInvokeMethod> = (
  event: IpcMainInvokeEvent,
  ...args: DesktopInvokeArgs<M>
) => DesktopInvokeResult<M> | Promise<DesktopInvokeResult<M>>;

/**
 * One `ipcMain.handle` per DesktopApi method. No handler runs before its request passed
 * `checkDesktopInvoke` (sender is an app page, arguments match the shared schema).
 */
export function registerDesktopIpc(ipcMain: Pick<IpcMain, 'handle'>, services: DesktopIpcServices): void {
  const handle = <M extends DesktopInvokeMethod>(method: M, handler: InvokeHandler<M>) => {
    ipcMain.handle(desktopInvokeChannels[method], (event, ...args: unknown[]) => {
      const checked = checkDesktopInvoke(method, frameUrl(event.senderFrame), args);
      return handler(event, ...checked);
    });
  };

  handle('getSettings', () => services.settings());
  handle('saveBackendUrl', (event, backendUrl) => services.saveBackendUrl(backendUrl, event.sender));
  handle('openScreenSpool', async (_event, metadata) => (await services.screenSpools.open(metadata)).spoolId);
  handle('appendScreenChunk', async (_event, spoolId, chunk) => {
    await services.screenSpools.append(spoolId, chunk);
  });
  // Progress goes to the window that asked; it may have closed while the upload runs.
  const reportTo = (event: IpcMainInvokeEvent) => (progress: ScreenUploadProgress) => {
    if (!event.sender.isDestroyed()) event.sender.send(screenUploadProgressChannel, progress);
  };
  handle('uploadScreenSpool', (event, spoolId, token) => services.uploadScreenSpool(spoolId, token, reportTo(event)));
  handle('uploadPendingScreenSpools', (event, token) => services.uploadPendingScreenSpools(token, reportTo(event)));
  handle('listPendingScreenUploads', () => services.screenSpools.pending());
  handle('reportStatus', (_event, status) => services.showStatus(status));
  handle('openView', (_event, view) => services.openView(view));
}
