import {
  desktopInvokeChannels,
  screenUploadProgressChannel,
  type DesktopApi,
  type DesktopInvokeMethod,
  type DesktopInvokeResult,
  type ScreenUploadProgress,
} from '@vox/shared';
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

function invoke<M extends DesktopInvokeMethod>(
  method: M,
  ...args: Parameters<DesktopApi[M]>
): Promise<DesktopInvokeResult<M>> {
  return ipcRenderer.invoke(desktopInvokeChannels[method], ...args) as Promise<DesktopInvokeResult<M>>;
}

/**
 * The DesktopApi over IPC. The page gets these functions and nothing of `ipcRenderer`: no channel
 * it could name itself, and no IPC event object handed to its listeners.
 */
const api: DesktopApi = {
  kind: 'electron',
  getSettings: () => invoke('getSettings'),
  saveBackendUrl: (backendUrl) => invoke('saveBackendUrl', backendUrl),
  openScreenSpool: (metadata) => invoke('openScreenSpool', metadata),
  appendScreenChunk: (spoolId, chunk) => invoke('appendScreenChunk', spoolId, chunk),
  uploadScreenSpool: (spoolId, token) => invoke('uploadScreenSpool', spoolId, token),
  uploadPendingScreenSpools: (token) => invoke('uploadPendingScreenSpools', token),
  listPendingScreenUploads: () => invoke('listPendingScreenUploads'),
  reportStatus: (status) => invoke('reportStatus', status),
  openView: (view) => invoke('openView', view),
  onScreenUploadProgress(listener) {
    const forward = (_event: IpcRendererEvent, progress: ScreenUploadProgress) => listener(progress);
    ipcRenderer.on(screenUploadProgressChannel, forward);
    return () => {
      ipcRenderer.removeListener(screenUploadProgressChannel, forward);
    };
  },
};

contextBridge.exposeInMainWorld('voxDesktop', api);
