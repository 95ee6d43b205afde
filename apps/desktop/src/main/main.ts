import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, desktopAppScheme, type DesktopSettings, type DesktopStatus } from '@vox/shared';
import {
  app,
  BrowserWindow,
  desktopCapturer,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  protocol,
  screen,
  session,
  Tray,
} from 'electron';
import { appMenuTemplate } from './app-menu.ts';
import { createAppAssetHandler } from './app-protocol.ts';
import { BackendUrlChanger } from './backend-url-change.ts';
import { DesktopLog } from './desktop-log.ts';
import { appPageUrl, type AppPage } from './app-url.ts';
import { installDisplayMediaHandler } from './display-media-handler.ts';
import { registerDesktopIpc } from './ipc-handlers.ts';
import { installPermissionHandlers } from './media-permissions.ts';
import { PendingScreenUploads } from './pending-screen-uploads.ts';
import { loadDesktopSettings, saveDesktopSettings } from './settings.ts';
import { ScreenSpoolStore } from './screen-spool.ts';
import { uploadScreenSpool } from './screen-upload.ts';
import { trayIconBitmap, trayLook } from './tray-status.ts';
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
const settingsFile = path.join(app.getPath('userData'), 'settings.json');
let tray: Tray | undefined;
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

/** The tray icon: the agent sees whether the screen is recorded even with the window hidden. */
function showStatus(status: DesktopStatus): void {
  const icon = nativeImage.createFromBitmap(trayIconBitmap(status, 32), { width: 32, height: 32 }).resize({
    width: 16,
    height: 16,
  });
  if (!tray) {
    tray = new Tray(icon);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show agent window', click: () => openWindow('agent') },
        { label: 'Open supervisor window', click: () => openWindow('supervisor') },
      ]),
    );
    tray.on('click', () => openWindow('agent'));
  } else {
    tray.setImage(icon);
  }
  tray.setToolTip(trayLook(status).tooltip);
}

async function start(loaded: DesktopSettings): Promise<void> {
  let settings = loaded;
  protocol.handle(desktopAppScheme, createAppAssetHandler({ rendererRoot, backendUrl: () => settings.backendUrl }));
  installPermissionHandlers(session.defaultSession);
  installDisplayMediaHandler(session.defaultSession, {
    // No thumbnails: only the id of the screen is needed, and rendering them costs a capture each.
    screens: () => desktopCapturer.getSources({ types: ['screen'], thumbnailSize: { width: 0, height: 0 } }),
    primaryDisplayId: () => screen.getPrimaryDisplay().id,
  });

  const screenSpools = new ScreenSpoolStore(path.join(app.getPath('userData'), 'screen-spool'));
  const upload = (spoolId: string, token: string, report: Parameters<typeof uploadScreenSpool>[0]['onProgress']) =>
    uploadScreenSpool({ store: screenSpools, spoolId, backendUrl: settings.backendUrl, token, onProgress: report });
  const pendingUploads = new PendingScreenUploads(upload);
  const leftovers = await screenSpools.list();
  if (leftovers.length > 0) {
    console.log(`${leftovers.length} screen recording(s) from an earlier run wait for the agent's login to upload`);
  }

  const backendUrlChanger = new BackendUrlChanger({
    current: () => settings.backendUrl,
    async save(backendUrl) {
      settings = { ...settings, backendUrl };
      await saveDesktopSettings(settingsFile, settings);
    },
    showMessageBox: (window, options) =>
      window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options),
  });

  registerDesktopIpc(ipcMain, {
    settings: () => settings,
    saveBackendUrl: (backendUrl, sender) =>
      backendUrlChanger.request(backendUrl, {
        window: BrowserWindow.fromWebContents(sender),
        // The window may have closed while the dialog was up.
        reload: () => {
          if (!sender.isDestroyed()) sender.reload();
        },
      }),
    screenSpools,
    uploadScreenSpool: (spoolId, token, report) => pendingUploads.uploadNow(spoolId, token, report),
    async uploadPendingScreenSpools(token, report) {
      for (const spool of await screenSpools.leftovers()) pendingUploads.add(spool.spoolId);
      await pendingUploads.retry(token, report);
    },
    showStatus,
    openView: (view) => void openWindow(view),
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(appMenuTemplate({ openSupervisorWindow: () => openWindow('supervisor') }, process.platform)),
  );
  showStatus('offline');
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
  new DesktopLog({ file: path.join(app.getPath('logs'), 'vox-desktop.log') }).captureConsole();
  app
    .whenReady()
    .then(() => loadDesktopSettings(settingsFile))
    .then(start)
    .catch((error: unknown) => {
      dialog.showErrorBox('Vox Recorder cannot start', errorMessage(error));
      app.exit(1);
    });
}
