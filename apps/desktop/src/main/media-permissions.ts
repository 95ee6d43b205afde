import type { Session } from 'electron';
import { isAppPageUrl } from './app-url.ts';

export interface PermissionQuestion {
  permission: string;
  requestingUrl: string | undefined;
  /** For `media` requests: which devices; empty when Electron < 45 asks about screen capture. */
  mediaTypes?: readonly string[] | undefined;
}

/**
 * What a page may be granted. Vox pages capture the screen and may go full screen (supervisor
 * playback); no page gets the camera, the microphone, notifications, geolocation or anything else,
 * and no page from elsewhere gets anything.
 */
export function permissionGranted(question: PermissionQuestion): boolean {
  if (!isAppPageUrl(question.requestingUrl)) return false;
  switch (question.permission) {
    case 'display-capture':
    case 'fullscreen':
      return true;
    case 'media':
      // Before Electron 45 screen capture arrives as `media` with no media types; camera and
      // microphone requests always name theirs.
      return (question.mediaTypes ?? []).length === 0;
    default:
      return false;
  }
}

export function installPermissionHandlers(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(
      permissionGranted({
        permission,
        requestingUrl: details.requestingUrl,
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined,
      }),
    );
  });
  // Checks answer synchronously; a refused check falls through to the request handler above.
  session.setPermissionCheckHandler(
    (_contents, permission, _origin, details) =>
      permission === 'fullscreen' && permissionGranted({ permission, requestingUrl: details.requestingUrl }),
  );
}
