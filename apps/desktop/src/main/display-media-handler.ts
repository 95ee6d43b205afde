import type { DesktopCapturerSource, Session } from 'electron';
import { frameUrl, isAppPageUrl } from './app-url.ts';

/** The entire primary screen; the first screen when the platform does not say which one it is. */
export function pickPrimaryScreenSource(
  sources: readonly Pick<DesktopCapturerSource, 'id' | 'name' | 'display_id'>[],
  primaryDisplayId: number | string,
): Pick<DesktopCapturerSource, 'id' | 'name'> | undefined {
  const screens = sources.filter((source) => source.id.startsWith('screen:'));
  return screens.find((source) => source.display_id === String(primaryDisplayId)) ?? screens[0];
}

export interface DisplayMediaSources {
  screens(): Promise<Pick<DesktopCapturerSource, 'id' | 'name' | 'display_id'>[]>;
  primaryDisplayId(): number;
}

/**
 * Answers the renderer's `getDisplayMedia` with the primary screen and no picker: recording
 * starts from call events, and an agent cannot be asked to choose a screen for every call. Only
 * the app's own pages get the screen; audio is never granted (the call audio comes from the MCP).
 */
export function installDisplayMediaHandler(session: Session, sources: DisplayMediaSources): void {
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      // A frame that navigated away or closed since asking gets nothing.
      if (!request.videoRequested || !isAppPageUrl(frameUrl(request.frame))) {
        callback({});
        return;
      }
      sources
        .screens()
        .then((screens) => {
          const screen = pickPrimaryScreenSource(screens, sources.primaryDisplayId());
          callback(screen ? { video: { id: screen.id, name: screen.name } } : {});
        })
        .catch((error: unknown) => {
          console.error('screen capture: the screens could not be listed', error);
          callback({});
        });
    },
    { useSystemPicker: false },
  );
}
