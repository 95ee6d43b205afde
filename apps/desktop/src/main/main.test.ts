import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { desktopInvokeChannels } from '@vox/shared';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScreenSpoolStore } from './screen-spool.ts';

/**
 * main.ts against a stand-in for Electron's main-process API (the binary is not installed here):
 * it checks the wiring, not Electron. Each fake records what main.ts asked of it.
 */
const electron = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown;
  const state = {
    userData: '',
    privileged: [] as unknown[],
    protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
    ipcChannels: [] as string[],
    ipcHandlers: new Map<string, Listener>(),
    questions: [] as { window: unknown; options: { detail?: string; buttons?: string[] } }[],
    /** the button the user clicks in the next message box */
    answer: 0,
    appListeners: new Map<string, Listener>(),
    menuTemplates: [] as unknown[][],
    displayMediaHandlerInstalled: false,
    permissionHandlersInstalled: 0,
    errors: [] as string[],
    trayTooltips: [] as string[],
  };
  class Tray {
    constructor(readonly image: unknown) {}
    setContextMenu() {}
    on() {}
    setImage() {}
    setToolTip(tooltip: string) {
      state.trayTooltips.push(tooltip);
    }
  }
  const image = { resize: () => image };
  class BrowserWindow {
    static readonly all: BrowserWindow[] = [];
    static getAllWindows() {
      return BrowserWindow.all;
    }
    static fromWebContents(contents: unknown) {
      return BrowserWindow.all.find((window) => window.webContents === contents) ?? null;
    }
    url = '';
    readonly webContents = {
      reloads: 0,
      reload() {
        this.reloads += 1;
      },
      isDestroyed: () => false,
    };
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      BrowserWindow.all.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    once() {}
    on() {}
    show() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
    isDestroyed() {
      return false;
    }
  }
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const app = {
    requestSingleInstanceLock: () => true,
    on: (event: string, listener: Listener) => state.appListeners.set(event, listener),
    whenReady: () => ready,
    getPath: (name: string) => (name === 'userData' ? state.userData : `${state.userData}/${name}`),
    quit: () => undefined,
    exit: () => undefined,
  };
  const session = {
    defaultSession: {
      setDisplayMediaRequestHandler: () => (state.displayMediaHandlerInstalled = true),
      setPermissionRequestHandler: () => (state.permissionHandlersInstalled += 1),
      setPermissionCheckHandler: () => (state.permissionHandlersInstalled += 1),
    },
  };
  const module = {
    app,
    BrowserWindow,
    session,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => state.privileged.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) =>
        state.protocolHandlers.set(scheme, handler),
    },
    ipcMain: {
      handle: (channel: string, handler: Listener) => {
        state.ipcChannels.push(channel);
        state.ipcHandlers.set(channel, handler);
      },
    },
    Menu: {
      buildFromTemplate: (template: unknown[]) => state.menuTemplates.push(template),
      setApplicationMenu: () => undefined,
    },
    dialog: {
      showErrorBox: (_title: string, message: string) => state.errors.push(message),
      showMessageBox: (...args: unknown[]) => {
        const [window, options] = args.length === 2 ? args : [undefined, args[0]];
        state.questions.push({ window, options: options as { detail?: string; buttons?: string[] } });
        return Promise.resolve({ response: state.answer, checkboxChecked: false });
      },
    },
    desktopCapturer: { getSources: () => Promise.resolve([]) },
    screen: { getPrimaryDisplay: () => ({ id: 1 }) },
    Tray,
    nativeImage: { createFromBitmap: () => image },
  };
  return { state, module, BrowserWindow, markReady: () => markReady() };
});

vi.mock('electron', () => ({ ...electron.module, default: electron.module }));

const { state, BrowserWindow } = electron;
let userData: string;
const logged: string[] = [];

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('main.ts did not get there');
}

beforeAll(async () => {
  userData = await mkdtemp(path.join(tmpdir(), 'vox-main-'));
  state.userData = userData;
  // A recording the previous run did not upload.
  const leftover = new ScreenSpoolStore(path.join(userData, 'screen-spool'));
  await leftover.open({ connId: '006f02a6d1b9c2e1', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.000Z' });
  vi.stubEnv('VOX_BACKEND_URL', 'http://127.0.0.1:9181');
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
  await import('./main.ts');
  electron.markReady();
  await until(() => BrowserWindow.all.length > 0 || state.errors.length > 0);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await rm(userData, { recursive: true, force: true });
});

describe('main.ts', () => {
  it('starts without an error', () => {
    expect(state.errors).toEqual([]);
  });

  it('registers the app scheme as privileged before Electron is ready', () => {
    expect(state.privileged).toEqual([
      { scheme: 'vox-app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
    ]);
  });

  it('opens the agent page in a sandboxed window with the preload', () => {
    const [agent] = BrowserWindow.all;
    expect(agent?.url).toBe('vox-app://desktop/agent.html');
    expect(agent?.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    expect(String(agent?.options.webPreferences.preload)).toMatch(/preload[\\/]preload\.cjs$/);
  });

  it('serves the pages with a policy naming the backend from VOX_BACKEND_URL', async () => {
    const handler = state.protocolHandlers.get('vox-app');
    const response = await handler!(new Request('vox-app://desktop/agent.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain(
      "connect-src 'self' http://127.0.0.1:9181 ws://127.0.0.1:9181",
    );
  });

  it('answers every DesktopApi channel, screen capture and permissions', () => {
    expect([...state.ipcChannels].sort()).toEqual(Object.values(desktopInvokeChannels).sort());
    expect(state.displayMediaHandlerInstalled).toBe(true);
    expect(state.permissionHandlersInstalled).toBe(2);
  });

  it('guards every web contents Electron creates', () => {
    expect(state.appListeners.has('web-contents-created')).toBe(true);
  });

  it('writes the settings file and finds the recording a previous run left', async () => {
    expect(JSON.parse(await readFile(path.join(userData, 'settings.json'), 'utf8'))).toMatchObject({
      backendUrl: 'http://127.0.0.1:8080',
    });
    expect(logged.some((line) => line.includes('1 screen recording(s) from an earlier run'))).toBe(true);
  });

  it('logs to a file in the logs folder', async () => {
    expect(await readFile(path.join(userData, 'logs', 'vox-desktop.log'), 'utf8')).toMatch(
      /INFO 1 screen recording\(s\) from an earlier run/,
    );
  });

  it('shows a tray icon that says the desktop is offline until the page reports', () => {
    expect(state.trayTooltips).toEqual(['Vox Recorder: offline, reconnecting to the recording server']);
  });

  it('opens the supervisor page from the menu, once', () => {
    const window = (state.menuTemplates.flat() as MenuItemConstructorOptions[]).find((item) => item.label === 'Window');
    const item = (window?.submenu as MenuItemConstructorOptions[]).find((entry) => entry.label === 'Supervisor window');
    const click = item?.click as () => void;
    click();
    click();
    expect(BrowserWindow.all.map((w) => w.url)).toEqual([
      'vox-app://desktop/agent.html',
      'vox-app://desktop/supervisor.html',
    ]);
  });
});

describe('main.ts, a page asking for another backend', () => {
  const keep = 0;
  const change = 1;
  const settingsFile = () => path.join(userData, 'settings.json');
  const savedBackendUrl = async () =>
    (JSON.parse(await readFile(settingsFile(), 'utf8')) as { backendUrl: string }).backendUrl;
  const agentWindow = () => BrowserWindow.all[0]!;

  function ask(backendUrl: string): Promise<unknown> {
    const handler = state.ipcHandlers.get(desktopInvokeChannels.saveBackendUrl)!;
    const event = { senderFrame: { url: 'vox-app://desktop/agent.html' }, sender: agentWindow().webContents };
    return Promise.resolve().then(() => handler(event, backendUrl));
  }

  it('refuses http://10.0.0.5 with the reason, asking nothing and saving nothing', async () => {
    state.questions.length = 0;
    await expect(ask('http://10.0.0.5')).rejects.toThrow(
      'a backend on another computer must be reached over https:// (http:// only for 127.0.0.1, ::1 or localhost)',
    );
    expect(state.questions).toEqual([]);
    expect(await savedBackendUrl()).toBe('http://127.0.0.1:8080');
    expect(agentWindow().webContents.reloads).toBe(0);
  });

  it('keeps the old backend when the user answers Keep in the dialog', async () => {
    state.questions.length = 0;
    state.answer = keep;
    expect(await ask('https://vox.example')).toBe('declined');
    expect(state.questions).toHaveLength(1);
    expect(state.questions[0]?.window).toBe(agentWindow());
    expect(state.questions[0]?.options.detail).toContain('Now: http://127.0.0.1:9181\nNew: https://vox.example');
    expect(await savedBackendUrl()).toBe('http://127.0.0.1:8080');
    expect(agentWindow().webContents.reloads).toBe(0);
    const csp = (await state.protocolHandlers.get('vox-app')!(new Request('vox-app://desktop/agent.html'))).headers;
    expect(csp.get('content-security-policy')).toContain("connect-src 'self' http://127.0.0.1:9181 ");
  });

  it('saves the backend and reloads the page under it once the user answers Change', async () => {
    state.questions.length = 0;
    state.answer = change;
    await ask('http://127.0.0.1:8081');
    expect(state.questions[0]?.options.detail).toContain('Now: http://127.0.0.1:9181\nNew: http://127.0.0.1:8081');
    expect(await savedBackendUrl()).toBe('http://127.0.0.1:8081');
    expect(agentWindow().webContents.reloads).toBe(1);
    const csp = (await state.protocolHandlers.get('vox-app')!(new Request('vox-app://desktop/agent.html'))).headers;
    expect(csp.get('content-security-policy')).toContain("connect-src 'self' http://127.0.0.1:8081 ");
  });
});
