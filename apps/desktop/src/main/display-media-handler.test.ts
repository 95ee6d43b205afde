import type { Session } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { installDisplayMediaHandler, pickPrimaryScreenSource } from './display-media-handler.ts';

const sources = [
  { id: 'window:12:0', name: 'Terminal', display_id: '' },
  { id: 'screen:1:0', name: 'Screen 2', display_id: '2002' },
  { id: 'screen:0:0', name: 'Screen 1', display_id: '2001' },
];

describe('pickPrimaryScreenSource', () => {
  it('picks the screen of the primary display', () => {
    expect(pickPrimaryScreenSource(sources, 2001)?.id).toBe('screen:0:0');
  });

  it('falls back to the first screen when no display id matches, never to a window', () => {
    expect(pickPrimaryScreenSource(sources, 9)?.id).toBe('screen:1:0');
    expect(pickPrimaryScreenSource([sources[0]!], 9)).toBeUndefined();
  });
});

type Request = {
  frame: { url: string } | null;
  securityOrigin: string;
  videoRequested: boolean;
  audioRequested: boolean;
};
type Handler = (request: Request, callback: (streams: unknown) => void) => void;

function installed(screens: () => Promise<typeof sources>) {
  let handler: Handler | undefined;
  const session = {
    setDisplayMediaRequestHandler: (h: Handler, opts: unknown) => {
      handler = h;
      expect(opts).toEqual({ useSystemPicker: false });
    },
  };
  installDisplayMediaHandler(session as unknown as Session, { screens, primaryDisplayId: () => 2001 });
  return (request: Partial<Request>) =>
    new Promise((resolve) =>
      handler?.(
        {
          frame: { url: 'vox-app://desktop/agent.html' },
          securityOrigin: 'vox-app://desktop',
          videoRequested: true,
          audioRequested: false,
          ...request,
        },
        resolve,
      ),
    );
}

describe('installDisplayMediaHandler', () => {
  it('grants the primary screen to an app page, without audio', async () => {
    const answer = installed(() => Promise.resolve(sources));
    expect(await answer({ audioRequested: true })).toEqual({ video: { id: 'screen:0:0', name: 'Screen 1' } });
  });

  it('grants nothing to a page from elsewhere or to a frame that is gone', async () => {
    const answer = installed(() => Promise.resolve(sources));
    expect(await answer({ frame: { url: 'https://evil.example/' } })).toEqual({});
    expect(await answer({ frame: null })).toEqual({});
  });

  it('grants nothing when the screens cannot be listed', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const answer = installed(() => Promise.reject(new Error('no screen access')));
    expect(await answer({})).toEqual({});
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });
});
