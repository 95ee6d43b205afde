import type { DesktopApi } from '@vox/shared';
import { createBrowserDesktopApi } from './browser-desktop-api.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a plain browser. */
    voxDesktop?: DesktopApi;
  }
}

let api: DesktopApi | undefined;

/** The platform the renderer runs on: Electron's preload bridge, or the browser adapter. */
export function desktopApi(): DesktopApi {
  api ??= window.voxDesktop ?? createBrowserDesktopApi(window.location.origin);
  return api;
}
