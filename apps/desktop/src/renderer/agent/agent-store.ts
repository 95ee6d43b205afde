import { create } from 'zustand';
import type { CallSnapshot, RecordingEvent, ScreenUploadProgress, TEvent, User } from '@vox/shared';
import { BackendClient } from '../backend/backend-client.ts';
import { connectEventStream, type EventSocket } from '../backend/event-stream.ts';
import { desktopApi } from '../platform/desktop-api.ts';
import { DisplayMediaShare, displayMediaCapture } from '../screen-recorder/screen-capture.ts';
import { ScreenRecorder, type ScreenRecorderState } from '../screen-recorder/screen-recorder.ts';

export type ConnectionState = 'offline' | 'connecting' | 'online' | 'reconnecting';

export interface AgentCall {
  connId: string;
  ani: string;
  dnis: string;
  state: 'ringing' | 'established' | 'held';
  recording: 'idle' | 'recording' | 'paused';
}

interface AgentState {
  client: BackendClient | undefined;
  user: User | undefined;
  connection: ConnectionState;
  calls: AgentCall[];
  screen: ScreenRecorderState;
  upload: ScreenUploadProgress | undefined;
  error: string | undefined;
  /** whether the agent's screen is shared, so recordings can capture it */
  screenShared: boolean;
  login(backendUrl: string, username: string, password: string): Promise<void>;
  answer(connId: string): Promise<void>;
  release(connId: string): Promise<void>;
  /** Must run in a click handler: browsers allow screen sharing only right after a user action. */
  shareScreen(): void;
}

let socket: EventSocket | undefined;
let recorder: ScreenRecorder | undefined;
let screenShare: DisplayMediaShare | undefined;

function fromSnapshot(call: CallSnapshot, dn: string): AgentCall | undefined {
  const party = call.parties.find((p) => p.dn === dn);
  if (!party || party.state === 'released') return undefined;
  return { connId: call.connId, ani: call.ani, dnis: call.dnis, state: party.state, recording: call.recording.state };
}

export const useAgentStore = create<AgentState>()((set, get) => {
  const upsertCall = (connId: string, change: (call: AgentCall | undefined) => AgentCall | undefined) =>
    set((state) => {
      const existing = state.calls.find((c) => c.connId === connId);
      const next = change(existing);
      const others = state.calls.filter((c) => c.connId !== connId);
      return { calls: next ? [...others, next] : others };
    });

  const onCallEvent = (kind: 'ringing' | 'established' | 'released') => (event: TEvent) =>
    upsertCall(event.connId, (call) =>
      kind === 'released'
        ? undefined
        : { connId: event.connId, ani: event.ani, dnis: event.dnis, state: kind, recording: call?.recording ?? 'idle' },
    );

  const onRecording = (recording: AgentCall['recording']) => (event: RecordingEvent) =>
    upsertCall(event.connId, (call) => (call ? { ...call, recording } : call));

  /** After a (re)connect: the calls of this DN as the SIP Server has them now. */
  const catchUp = async () => {
    const { client, user } = get();
    if (!client || !user?.dn) return;
    const snapshots = await client.callsOf(user.dn);
    const calls = snapshots.map((s) => fromSnapshot(s, user.dn ?? '')).filter((c): c is AgentCall => c !== undefined);
    set({ calls });
    for (const call of snapshots) {
      if (call.recording.state !== 'idle' && call.recording.recordingId) {
        void recorder?.voiceRecordingStarted({
          connId: call.connId,
          callUuid: call.callUuid,
          recordingId: call.recording.recordingId,
          dn: user.dn,
          at: new Date().toISOString(),
        });
      }
    }
  };

  return {
    client: undefined,
    user: undefined,
    connection: 'offline',
    calls: [],
    screen: { kind: 'idle' },
    upload: undefined,
    error: undefined,
    screenShared: false,

    shareScreen() {
      screenShare ??= new DisplayMediaShare((live) => set({ screenShared: live }));
      screenShare
        .acquire()
        .catch((error: unknown) =>
          set({ error: `screen sharing was refused: ${error instanceof Error ? error.message : String(error)}` }),
        );
    },

    async login(backendUrl, username, password) {
      set({ error: undefined });
      const client = new BackendClient(backendUrl);
      try {
        const session = await client.login(username, password);
        if (session.user.role !== 'agent' || !session.user.dn) {
          set({ error: `${username} is a ${session.user.role}, not an agent with a DN: use the supervisor view` });
          return;
        }
        set({ client, user: session.user, connection: 'connecting' });
        // Asked right away, while the login click still counts as a user action (about 5 s).
        get().shareScreen();
      } catch (error) {
        set({ error: error instanceof Error ? error.message : String(error) });
        return;
      }
      const api = desktopApi();
      api.onScreenUploadProgress((upload) => set({ upload }));
      screenShare ??= new DisplayMediaShare((live) => set({ screenShared: live }));
      recorder = new ScreenRecorder(
        api,
        displayMediaCapture(screenShare),
        () => client.bearer ?? '',
        (screen) => set({ screen }),
        () => client.screenRecordingKey(),
      );
      socket?.disconnect();
      socket = connectEventStream(backendUrl, client.bearer ?? '');
      socket.on('connect', () => {
        set({ connection: 'online' });
        void catchUp().catch((error: unknown) => set({ error: `could not fetch the current calls: ${String(error)}` }));
      });
      socket.on('disconnect', () => set({ connection: 'reconnecting' }));
      socket.on('connect_error', (error) =>
        set({ connection: 'reconnecting', error: `event connection: ${error.message}` }),
      );
      socket.on('EventRinging', onCallEvent('ringing'));
      socket.on('EventEstablished', onCallEvent('established'));
      socket.on('EventReleased', onCallEvent('released'));
      socket.on('RecordingStarted', (event) => {
        onRecording('recording')(event);
        void recorder?.voiceRecordingStarted(event);
      });
      socket.on('RecordingPaused', onRecording('paused'));
      socket.on('RecordingResumed', onRecording('recording'));
      socket.on('RecordingStopped', (event) => {
        onRecording('idle')(event);
        void recorder?.voiceRecordingStopped(event);
      });
    },

    async answer(connId) {
      const { client, user } = get();
      if (!client || !user?.dn) return;
      await client.callAction(connId, 'answer', user.dn).catch((error: unknown) => set({ error: String(error) }));
    },

    async release(connId) {
      const { client, user } = get();
      if (!client || !user?.dn) return;
      await client.callAction(connId, 'release', user.dn).catch((error: unknown) => set({ error: String(error) }));
    },
  };
});
