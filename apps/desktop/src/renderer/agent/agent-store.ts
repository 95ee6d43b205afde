import { create } from 'zustand';
import { BackendClient } from '../backend/backend-client.ts';
import { desktopApi } from '../platform/desktop-api.ts';
import { DisplayMediaShare, displayMediaCapture } from '../screen-recorder/screen-capture.ts';
import { AgentSession } from './agent-session.ts';
import { loggedOutState, type AgentDesktopState } from './agent-state.ts';

interface AgentActions {
  login(backendUrl: string, username: string, password: string): Promise<void>;
  /** Ends the session: the event connection, the screen share and recording, the subscriptions. */
  logout(): void;
  setReady(ready: boolean): Promise<void>;
  answer(connId: string): Promise<void>;
  release(connId: string): Promise<void>;
  transfer(connId: string, toDn: string, how: 'transfer' | 'conference'): Promise<void>;
  /** Must run in a click handler: browsers allow screen sharing only right after a user action. */
  shareScreen(): void;
  dismissError(): void;
}

/** The login this page runs now; undefined before the first and after a logout. */
let session: AgentSession | undefined;

export const useAgentStore = create<AgentDesktopState & AgentActions>()((set) => ({
  ...loggedOutState,

  async login(backendUrl, username, password) {
    session?.dispose();
    session = new AgentSession({
      client: new BackendClient(backendUrl),
      api: desktopApi(),
      store: useAgentStore,
      shareScreen(settings, onLiveChange) {
        const share = new DisplayMediaShare(settings, onLiveChange);
        return {
          acquire: () => share.acquire(),
          startCapture: displayMediaCapture(share, settings),
          release: () => share.release(),
        };
      },
    });
    await session.logIn(username, password);
  },

  logout() {
    session?.dispose();
    session = undefined;
    set(loggedOutState);
  },

  setReady: async (ready) => session?.setReady(ready),
  answer: async (connId) => session?.answer(connId),
  release: async (connId) => session?.release(connId),
  transfer: async (connId, toDn, how) => session?.transfer(connId, toDn, how),
  shareScreen: () => session?.shareScreen(),
  dismissError: () => set({ error: undefined }),
}));
