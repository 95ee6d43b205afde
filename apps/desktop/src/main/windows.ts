import type { BrowserWindowConstructorOptions, WebContents } from 'electron';
import { isAppPageUrl, type AppPage } from './app-url.ts';

const titles: Record<AppPage, string> = {
  agent: 'Vox Recorder: Agent',
  supervisor: 'Vox Recorder: Supervisor',
};

/**
 * The options of every Vox window. The page gets no Node and no Electron: only the preload's
 * typed API crosses into it, and the preload itself runs sandboxed.
 */
export function windowOptions(page: AppPage, preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: titles[page],
    width: page === 'agent' ? 1100 : 1400,
    height: page === 'agent' ? 760 : 900,
    minWidth: 720,
    minHeight: 520,
    // Shown once the first paint is ready, so the agent never sees an empty white frame.
    show: false,
    backgroundColor: '#ffffff',
    autoHideMenuBar: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // Screen capture and uploads keep running while the agent works in other applications.
      backgroundThrottling: false,
    },
  };
}

/**
 * Keeps a window on the app's own pages: no pop-ups, no navigation or redirect away from
 * `vox-app://desktop/`, no `<webview>`. A page that went elsewhere would keep the preload's API.
 */
export function guardNavigation(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isAppPageUrl(event.url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppPageUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppPageUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
