import { desktopAppOrigin, desktopAppScheme } from '@vox/shared';

export type AppPage = 'agent' | 'supervisor';

export function appPageUrl(page: AppPage): string {
  return `${desktopAppOrigin}/${page}.html`;
}

/**
 * Whether a URL is one of the desktop's own pages. Parsed rather than prefix-matched so that
 * user info (`vox-app://desktop@elsewhere/`) or a different host cannot pass for the app.
 */
export function isAppPageUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${desktopAppScheme}:` &&
    parsed.host === 'desktop' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.href.startsWith(`${desktopAppOrigin}/`)
  );
}

/**
 * The URL of an Electron frame, or undefined once the frame is gone: a disposed `WebFrameMain`
 * throws on access, and a request from a frame that no longer exists must be refused, not crash.
 */
export function frameUrl(frame: { readonly url: string } | null | undefined): string | undefined {
  try {
    return frame?.url;
  } catch {
    return undefined;
  }
}
