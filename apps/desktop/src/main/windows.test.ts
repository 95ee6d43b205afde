import type { WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { appPageUrl, isAppPageUrl } from './app-url.ts';
import { guardNavigation, windowOptions } from './windows.ts';

describe('windowOptions', () => {
  it.each(['agent', 'supervisor'] as const)('locks the %s page away from Node and Electron', (page) => {
    const options = windowOptions(page, '/opt/vox/dist/preload/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/opt/vox/dist/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options.title).toMatch(/^Vox Recorder: /);
    expect(options.width).toBeGreaterThanOrEqual(720);
  });
});

describe('app page URLs', () => {
  it('names the pages of the renderer build', () => {
    expect(appPageUrl('agent')).toBe('vox-app://desktop/agent.html');
    expect(appPageUrl('supervisor')).toBe('vox-app://desktop/supervisor.html');
  });

  it.each([
    ['vox-app://desktop/agent.html', true],
    ['vox-app://desktop/supervisor.html?x=1#y', true],
    ['vox-app://DESKTOP/agent.html', false],
    ['vox-app://desktop.evil.example/agent.html', false],
    ['vox-app://desktop@evil.example/agent.html', false],
    ['vox-app://desktop:443/agent.html', false],
    ['https://desktop/agent.html', false],
    ['http://127.0.0.1:8080/agent', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s is an app page: %s', (url, expected) => {
    expect(isAppPageUrl(url)).toBe(expected);
  });
});

type Listener = (event: { url: string; preventDefault(): void }) => void;

/** The parts of WebContents the guard touches, recording what it was told. */
function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const contents = {
    setWindowOpenHandler(handler: typeof openHandler) {
      openHandler = handler;
    },
    on(event: string, listener: Listener) {
      listeners.set(event, listener);
      return contents;
    },
  };
  const fire = (event: string, url: string) => {
    let prevented = false;
    listeners.get(event)?.({ url, preventDefault: () => (prevented = true) });
    return prevented;
  };
  guardNavigation(contents as unknown as WebContents);
  return { fire, openHandler: () => openHandler, listeners };
}

describe('guardNavigation', () => {
  it('denies every new window, even one for an app page', () => {
    const { openHandler } = fakeContents();
    expect(openHandler()?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler()?.({ url: 'vox-app://desktop/supervisor.html' })).toEqual({ action: 'deny' });
  });

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])(
    'on %s, stops URLs outside the app only',
    (event) => {
      const { fire } = fakeContents();
      expect(fire(event, 'https://evil.example/phish.html')).toBe(true);
      expect(fire(event, 'file:///etc/passwd')).toBe(true);
      expect(fire(event, 'vox-app://desktop/supervisor.html')).toBe(false);
    },
  );

  it('refuses to attach a webview', () => {
    const { fire } = fakeContents();
    expect(fire('will-attach-webview', 'vox-app://desktop/agent.html')).toBe(true);
  });
});
