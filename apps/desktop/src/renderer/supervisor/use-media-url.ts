import { useEffect, useState } from 'react';
import type { SupervisorClient } from './supervisor-client.ts';
import { errorMessage } from '@vox/shared';

/**
 * The ticketed URL a `<video>` or `<img>` loads one media file from, asked for once per file
 * shown: until it arrives, `url` is undefined; a refusal is in `error`.
 */
export function useMediaUrl(
  client: SupervisorClient | undefined,
  recordingId: string,
  mediaId: string | undefined,
): { url?: string; error?: string } {
  const file = `${recordingId}/${mediaId ?? ''}`;
  const [state, setState] = useState<{ file: string; url?: string; error?: string }>({ file });
  useEffect(() => {
    if (!client || !mediaId) return;
    let shown = true;
    client.mediaUrl(recordingId, mediaId).then(
      (url) => shown && setState({ file, url }),
      (error: unknown) => shown && setState({ file, error: errorMessage(error) }),
    );
    return () => {
      shown = false;
    };
  }, [client, recordingId, mediaId, file]);
  // An answer for the file shown before is not this file's.
  return state.file === file ? { url: state.url, error: state.error } : {};
}
