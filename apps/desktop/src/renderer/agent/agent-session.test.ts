import { Server } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import {
  defaultScreenCaptureSettings,
  type AgentStateEvent,
  type CallSnapshot,
  type ClientToServerEvents,
  type DesktopApi,
  type DesktopStatus,
  type RecordingEvent,
  type ScreenUploadProgress,
  type ServerToClientEvents,
  type TEvent,
} from '@vox/shared';
import type { StartScreenCapture } from '../screen-recorder/screen-capture.ts';
import { AgentSession, type AgentBackend } from './agent-session.ts';
import { loggedOutState, type AgentDesktopState } from './agent-state.ts';

const connId = '006f02a6d1b9c2e1';
const at = '2026-12-01T10:00:00.000Z';
const ringing: TEvent = {
  connId,
  callUuid: 'uuid-1',
  dn: '7001',
  ani: '5550142',
  dnis: '8005550199',
  parties: [
    { dn: '5550142', role: 'customer', state: 'established' },
    { dn: '7001', role: 'agent', state: 'ringing' },
  ],
  attachedData: {},
  at,
};
const recordingStarted: RecordingEvent = { connId, callUuid: 'uuid-1', recordingId: 'rec-1', dn: '7001', at };
const notReady: AgentStateEvent = { dn: '7001', state: 'not-ready', at };

/** The call as the SIP Server has it, for the catch-ups that follow a connect or an answer. */
function snapshotOf(agentParty: 'ringing' | 'established', recording: 'idle' | 'recording'): CallSnapshot {
  return {
    connId,
    callUuid: 'uuid-1',
    ani: ringing.ani,
    dnis: ringing.dnis,
    state: agentParty,
    parties: [
      { dn: '5550142', role: 'customer', state: 'established' },
      { dn: '7001', role: 'agent', state: agentParty },
    ],
    recording: recording === 'idle' ? { state: 'idle' } : { state: 'recording', recordingId: 'rec-1' },
    attachedData: {},
  };
}

/** The backend's event side: a socket.io server on loopback that refuses the first `refusals` handshakes. */
async function eventServer(refusals: string[] = []) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>({ path: '/socket.io' });
  let handshakes = 0;
  let connections = 0;
  io.use((_socket, next) => {
    const refusal = refusals[handshakes++];
    next(refusal ? new Error(refusal) : undefined);
  });
  io.on('connection', (socket) => {
    connections += 1;
    socket.on('disconnect', () => (connections -= 1));
  });
  io.listen(0);
  await new Promise<void>((resolve) => io.httpServer.once('listening', resolve));
  const { port } = io.httpServer.address() as { port: number };
  return {
    io,
    url: `http://127.0.0.1:${port}`,
    handshakes: () => handshakes,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

/** The REST side of the backend; `callsOf` answers with `calls()`, or waits while `callsHeld` is set. */
function fakeBackend(baseUrl: string, options: { calls?: () => CallSnapshot[]; callsHeld?: Promise<void> } = {}) {
  const actions: string[] = [];
  const client: AgentBackend = {
    baseUrl,
    bearer: 'token-1',
    login: async (username) => ({
      token: 'token-1',
      user: { id: 'u1', username, role: username.startsWith('agent') ? 'agent' : 'supervisor', dn: '7001' },
    }),
    callsOf: async () => {
      await options.callsHeld;
      return options.calls?.() ?? [];
    },
    agentState: async () => notReady,
    setAgentState: async (body) => ({ ...notReady, state: body.state }),
    callAction: async (id, action, dn) => {
      actions.push(`${action} ${id} ${dn}`);
      return snapshotOf('established', 'idle');
    },
    screenRecordingKey: async () => undefined,
    reportScreenIncident: async () => undefined,
  };
  return { client, actions };
}

/** A desktop API with spools in memory, recording the statuses and uploads asked of it. */
function fakeDesktopApi() {
  const statuses: DesktopStatus[] = [];
  const uploads: string[] = [];
  const views: string[] = [];
  const progressListeners = new Set<(progress: ScreenUploadProgress) => void>();
  let spools = 0;
  const api: DesktopApi = {
    kind: 'browser',
    getSettings: async () => ({ backendUrl: 'http://backend', capture: defaultScreenCaptureSettings }),
    saveBackendUrl: async () => 'unchanged',
    openScreenSpool: async () => `spool-${++spools}`,
    appendScreenChunk: async () => undefined,
    uploadScreenSpool: async (spoolId) => void uploads.push(spoolId),
    uploadPendingScreenSpools: async () => undefined,
    listPendingScreenUploads: async () => [],
    reportStatus: async (status) => void statuses.push(status),
    openView: async (view) => void views.push(view),
    onScreenUploadProgress: (listener) => {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    },
  };
  return { api, statuses, uploads, views, progressListeners };
}

/** The agent's screen: shared as soon as asked; each capture starts at once and logs its stop. */
function fakeScreen() {
  const log = { shared: 0, released: 0, captures: 0, stopped: 0 };
  const startCapture: StartScreenCapture = async (callbacks) => {
    log.captures += 1;
    callbacks.onStart(new Date(at));
    return {
      pause: () => undefined,
      resume: () => undefined,
      stop: async () => void (log.stopped += 1),
    };
  };
  return {
    log,
    shareScreen: (_settings: unknown, onLiveChange: (live: boolean) => void) => ({
      acquire: async () => {
        log.shared += 1;
        onLiveChange(true);
      },
      startCapture,
      release: () => void (log.released += 1),
    }),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('AgentSession', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function loggedIn(
    options: { refusals?: string[]; calls?: () => CallSnapshot[]; callsHeld?: Promise<void> } = {},
  ) {
    const server = await eventServer(options.refusals);
    cleanup.push(() => server.close());
    const backend = fakeBackend(server.url, options);
    const desktop = fakeDesktopApi();
    const screen = fakeScreen();
    const store = createStore<AgentDesktopState>()(() => loggedOutState);
    const session = new AgentSession({
      client: backend.client,
      api: desktop.api,
      store,
      shareScreen: screen.shareScreen,
    });
    cleanup.push(() => session.dispose());
    await session.logIn('agent1', 'agent1-demo');
    return { server, backend, desktop, screen, store, session };
  }

  it('shows the calls its events announce, and records the screen while the voice is recorded', async () => {
    let calls: CallSnapshot[] = [];
    const { server, store, screen, session, backend } = await loggedIn({ calls: () => calls });
    expect(store.getState()).toMatchObject({ user: { username: 'agent1', dn: '7001' }, screenShared: true });
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ connection: 'online', agentState: notReady }));

    calls = [snapshotOf('ringing', 'idle')];
    server.io.emit('EventRinging', ringing);
    await vi.waitFor(() =>
      expect(store.getState().calls).toMatchObject([{ connId, state: 'ringing', ani: '5550142' }]),
    );
    await session.answer(connId);
    expect(backend.actions).toEqual([`answer ${connId} 7001`]);

    calls = [snapshotOf('established', 'recording')];
    server.io.emit('EventEstablished', ringing);
    server.io.emit('RecordingStarted', recordingStarted);
    await vi.waitFor(() =>
      expect(store.getState().calls).toMatchObject([{ state: 'established', recording: 'recording' }]),
    );
    await vi.waitFor(() => expect(store.getState().screen.kind).toBe('recording'));
    expect(screen.log.captures).toBe(1);

    calls = [];
    server.io.emit('EventReleased', ringing);
    await vi.waitFor(() => expect(store.getState().calls).toEqual([]));
    await vi.waitFor(() => expect(store.getState().screen.kind).toBe('idle'));
  });

  it('on dispose closes the event stream, ends the screen recording and the share, and writes nothing more', async () => {
    const { server, store, screen, session, desktop } = await loggedIn({
      calls: () => [snapshotOf('established', 'recording')],
    });
    // The catch-up after the connect finds the call recorded: the screen recording starts.
    await vi.waitFor(() => expect(store.getState().screen.kind).toBe('recording'));
    await vi.waitFor(() => expect(desktop.statuses.at(-1)).toBe('recording'));

    const atDispose = store.getState();
    const writes = vi.fn();
    store.subscribe(writes);
    session.dispose();
    session.dispose();

    await vi.waitFor(() => expect(server.connections()).toBe(0));
    await vi.waitFor(() => expect(desktop.uploads).toEqual(['spool-1']));
    expect(screen.log).toMatchObject({ captures: 1, stopped: 1, released: 1 });
    expect(desktop.progressListeners.size).toBe(0);
    expect(desktop.statuses.at(-1)).toBe('offline');

    // The recorder going idle, a call event, a click: none of it reaches the store any longer.
    server.io.emit('EventRinging', ringing);
    server.io.emit('RecordingStarted', { ...recordingStarted, connId: 'ffff02a6d1b9c2e1' });
    session.shareScreen();
    await session.setReady(true);
    await settle();
    expect(writes).not.toHaveBeenCalled();
    expect(store.getState()).toBe(atDispose);
    expect(screen.log).toMatchObject({ captures: 1, shared: 1 });

    // Nor does the store's next state reach the tray through the session.
    const reported = desktop.statuses.length;
    store.setState({ connection: 'reconnecting' });
    expect(desktop.statuses).toHaveLength(reported);
  });

  it('drops a catch-up the backend answers after dispose', async () => {
    let answer: () => void = () => undefined;
    const callsHeld = new Promise<void>((resolve) => (answer = resolve));
    const { store, screen, session } = await loggedIn({
      calls: () => [snapshotOf('established', 'recording')],
      callsHeld,
    });
    await vi.waitFor(() => expect(store.getState().connection).toBe('online'));
    session.dispose();
    answer();
    await settle();
    expect(store.getState().calls).toEqual([]);
    expect(screen.log.captures).toBe(0);
  });

  it('does not ask again for a refused handshake once disposed', async () => {
    const { server, store, session } = await loggedIn({
      refusals: ['database_unavailable: the metadata database is unavailable'],
    });
    await vi.waitFor(() => expect(store.getState().connection).toBe('reconnecting'));
    session.dispose();
    // Longer than the pause the event stream waits before asking again (3 s).
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(server.handshakes()).toBe(1);
  });

  it('sends a user who is not an agent to the supervisor view, and starts nothing', async () => {
    const server = await eventServer();
    cleanup.push(() => server.close());
    const desktop = fakeDesktopApi();
    const screen = fakeScreen();
    const store = createStore<AgentDesktopState>()(() => loggedOutState);
    const session = new AgentSession({
      client: fakeBackend(server.url).client,
      api: desktop.api,
      store,
      shareScreen: screen.shareScreen,
    });
    await session.logIn('supervisor1', 'supervisor1-demo');
    expect(desktop.views).toEqual(['supervisor']);
    expect(store.getState()).toMatchObject({ user: undefined, error: expect.stringContaining('not an agent') });
    await settle();
    expect(server.handshakes()).toBe(0);
    expect(screen.log.shared).toBe(0);
  });
});
