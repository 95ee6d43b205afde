import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { desktopAppScheme, type DesktopSettings } from '@vox/shared';
import { app, BrowserWindow, desktopCapturer, dialog, ipcMain, Menu, protocol, screen, session } from 'electron';
import { appMenuTemplate } from './app-menu.ts';
import { createAppAssetHandler } from './app-protocol.ts';
import { appPageUrl, type AppPage } from './app-url.ts';
import { installDisplayMediaHandler } from './display-media-handler.ts';
import { registerDesktopIpc } from './ipc-handlers.ts';
import { installPermissionHandlers } from './media-permissions.ts';
import { PendingScreenUploads } from './pending-screen-uploads.ts';
import { loadDesktopSettings } from './settings.ts';
import { ScreenSpoolStore } from './screen-spool.ts';
import { uploadScreenSpool } from './screen-upload.ts';
import { guardNavigation, windowOptions } from './windows.ts';

// dist/main/main.js next to dist/preload and dist/renderer, in the repository and in the package.
const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rendererRoot = path.join(distDir, 'renderer');
const preloadPath = path.join(distDir, 'preload', 'preload.cjs');

// Privileges are fixed when Chromium starts, so this runs before `ready`, at module load.
// `standard` gives the pages an origin (relative URLs, storage, the CORS origin the backend
// allows), `secure` makes them a secure context (getDisplayMedia needs one), `supportFetchAPI`
// lets them fetch from the scheme and `stream` lets media elements stream from it. No
// `corsEnabled`: other origins stay unable to read the app's files.
protocol.registerSchemesAsPrivileged([
  { scheme: desktopAppScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

const windows = new Map<AppPage, BrowserWindow>();
/** Windows open only once the protocol, the handlers and the IPC are in place. */
let started = false;

function openWindow(page: AppPage): BrowserWindow {
  const existing = windows.get(page);
  if (existing && !existing.isDestroyed()) {
    if (existing.isMinimized()) existing.restore();
    existing.focus();
    return existing;
  }
  const window = new BrowserWindow(windowOptions(page, preloadPath));
  windows.set(page, window);
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => windows.delete(page));
  window.loadURL(appPageUrl(page)).catch((error: unknown) => console.error(`could not load the ${page} page`, error));
  return window;
}

async function start(settings: DesktopSettings): Promise<void> {
  protocol.handle(desktopAppScheme, createAppAssetHandler({ rendererRoot, backendUrl: settings.backendUrl }));
  installPermissionHandlers(session.defaultSession);
  installDisplayMediaHandler(session.defaultSession, {
    // No thumbnails: only the id of the screen is needed, and rendering them costs a capture each.
    screens: () => desktopCapturer.getSources({ types: ['screen'], thumbnailSize: { width: 0, height: 0 } }),
    primaryDisplayId: () => screen.getPrimaryDisplay().id,
  });

  const screenSpools = new ScreenSpoolStore(path.join(app.getPath('userData'), 'screen-spool'));
  const pendingUploads = new PendingScreenUploads((spoolId, token, report) =>
    uploadScreenSpool({ store: screenSpools, spoolId, backendUrl: settings.backendUrl, token, onProgress: report }),
  );
  const leftovers = await screenSpools.list();
  for (const spool of leftovers) pendingUploads.add(spool.spoolId);
  if (leftovers.length > 0) {
    console.log(`${leftovers.length} screen recording(s) from an earlier run will upload after the next one`);
  }

  registerDesktopIpc(ipcMain, {
    settings: () => settings,
    screenSpools,
    uploadScreenSpool: (spoolId, token, report) => pendingUploads.uploadNow(spoolId, token, report),
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(appMenuTemplate({ openSupervisorWindow: () => openWindow('supervisor') }, process.platform)),
  );
  started = true;
  openWindow('agent');
}

if (!app.requestSingleInstanceLock()) {
  // A second desktop would record the same screen twice and race for the same spool folder.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (started) openWindow('agent');
  });
  app.on('web-contents-created', (_event, contents) => guardNavigation(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (started && BrowserWindow.getAllWindows().length === 0) openWindow('agent');
  });
  app
    .whenReady()
    .then(() => loadDesktopSettings(path.join(app.getPath('userData'), 'settings.json')))
    .then(start)
    .catch((error: unknown) => {
      dialog.showErrorBox('Vox Recorder cannot start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });
}
