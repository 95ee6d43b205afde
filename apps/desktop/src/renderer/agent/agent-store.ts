import { create } from 'zustand';
import {
  errorMessage,
  defaultScreenCaptureSettings,
  type AgentStateEvent,
  type CallParty,
  type CallSnapshot,
  type DesktopStatus,
  type ScreenCaptureSettings,
  type TEvent,
  type User,
} from '@vox/shared';
import { BackendClient } from '../backend/backend-client.ts';
import { closeEventStream, connectEventStream, type EventSocket } from '../backend/event-stream.ts';
import { desktopApi } from '../platform/desktop-api.ts';
import { DisplayMediaShare, displayMediaCapture } from '../screen-recorder/screen-capture.ts';
import { ScreenRecorder, type ScreenRecorderState, type VoiceRecording } from '../screen-recorder/screen-recorder.ts';
import { applyUploadProgress, pendingToUploadItem, type UploadItem } from './upload-queue.ts';

export type ConnectionState = 'offline' | 'connecting' | 'online' | 'reconnecting';

export interface AgentCall {
  connId: string;
  ani: string;
  dnis: string;
  state: 'ringing' | 'established' | 'held';
  recording: 'idle' | 'recording' | 'paused';
  parties: CallParty[];
  /** `siprec`: a real call the phone system records through Vox; the agent controls it on the phone */
  origin?: 'simulation' | 'siprec';
}

interface AgentStore {
  client: BackendClient | undefined;
  user: User | undefined;
  connection: ConnectionState;
  agentState: AgentStateEvent | undefined;
  calls: AgentCall[];
  screen: ScreenRecorderState;
  /** screen recordings on this PC until the backend has them, newest last */
  uploads: UploadItem[];
  error: string | undefined;
  /** whether the agent's screen is shared, so recordings can capture it */
  screenShared: boolean;
  login(backendUrl: string, username: string, password: string): Promise<void>;
  setReady(ready: boolean): Promise<void>;
  answer(connId: string): Promise<void>;
  release(connId: string): Promise<void>;
  transfer(connId: string, toDn: string, how: 'transfer' | 'conference'): Promise<void>;
  /** Must run in a click handler: browsers allow screen sharing only right after a user action. */
  shareScreen(): void;
  dismissError(): void;
}

let socket: EventSocket | undefined;
let recorder: ScreenRecorder | undefined;
let screenShare: DisplayMediaShare | undefined;
let captureSettings: ScreenCaptureSettings = defaultScreenCaptureSettings;
/** counts the call and recording events received, to tell whether a catch-up went stale */
let eventsReceived = 0;
/** a catch-up that keeps being overtaken by events gives up after this many tries */
const catchUpAttempts = 5;

function fromSnapshot(call: CallSnapshot, dn: string): AgentCall | undefined {
  const party = call.parties.find((p) => p.dn === dn);
  if (!party || party.state === 'released') return undefined;
  return {
    connId: call.connId,
    ani: call.ani,
    dnis: call.dnis,
    state: party.state,
    recording: call.recording.state,
    parties: call.parties,
    ...(call.origin ? { origin: call.origin } : {}),
  };
}

/** The voice recordings of the calls this DN is on, for the screen recorder's catch-up. */
function voiceRecordingsOf(snapshots: CallSnapshot[], dn: string): VoiceRecording[] {
  return snapshots.flatMap((call) => {
    const { state, recordingId } = call.recording;
    if (state === 'idle' || !recordingId || !fromSnapshot(call, dn)) return [];
    return [{ connId: call.connId, recordingId, state }];
  });
}

/** What the tray icon (or the tab title) shows. */
export function desktopStatusOf(state: Pick<AgentStore, 'connection' | 'screen' | 'uploads'>): DesktopStatus {
  if (state.connection !== 'online') return 'offline';
  if (state.screen.kind === 'recording' || state.screen.kind === 'starting') return 'recording';
  if (state.screen.kind === 'paused') return 'paused';
  if (state.uploads.some((u) => u.state === 'uploading')) return 'uploading';
  return 'idle';
}

export const useAgentStore = create<AgentStore>()((set, get) => {
  const upsertCall = (connId: string, change: (call: AgentCall | undefined) => AgentCall | undefined) =>
    set((state) => {
      const existing = state.calls.find((c) => c.connId === connId);
      const next = change(existing);
      const calls = state.calls.map((c) => (c.connId === connId ? next : c)).filter((c) => c !== undefined);
      return { calls: existing || !next ? calls : [...calls, next] };
    });

  const onCallEvent = (event: TEvent, state: AgentCall['state'] | 'released') =>
    upsertCall(event.connId, (call) => {
      if (state === 'released') return undefined;
      return {
        connId: event.connId,
        ani: event.ani,
        dnis: event.dnis,
        state,
        recording: call?.recording ?? 'idle',
        parties: event.parties,
        ...(event.origin ? { origin: event.origin } : {}),
      };
    });

  /** A party joined or left: the call stays, its parties change. */
  const onPartiesChanged = (event: TEvent) =>
    upsertCall(event.connId, (call) => (call ? { ...call, parties: event.parties } : call));

  const setRecording = (connId: string, recording: AgentCall['recording']) =>
    upsertCall(connId, (call) => (call ? { ...call, recording } : call));

  /** After a (re)connect: the calls and recordings of this DN as the SIP Server has them now. */
  const catchUp = async () => {
    const { client, user } = get();
    if (!client || !user?.dn) return;
    const dn = user.dn;
    for (let attempt = 0; attempt < catchUpAttempts; attempt++) {
      const before = eventsReceived;
      const [snapshots, agentState] = await Promise.all([client.callsOf(dn), client.agentState()]);
      // An event that came while the snapshot was on its way may be newer than the snapshot
      // (a RecordingStarted right after an answer): applying the snapshot would undo it. Ask again.
      if (eventsReceived !== before) continue;
      set({
        agentState,
        calls: snapshots.map((s) => fromSnapshot(s, dn)).filter((c): c is AgentCall => c !== undefined),
      });
      await recorder?.catchUp(voiceRecordingsOf(snapshots, dn));
      return;
    }
  };

  const refreshUploads = async () => {
    const pending = await desktopApi().listPendingScreenUploads();
    set((state) => {
      const known = new Map(state.uploads.map((u) => [u.spoolId, u]));
      const fresh = pending.map((p) => pendingToUploadItem(p, known.get(p.spoolId)));
      const finished = state.uploads.filter((u) => u.state === 'done' && !pending.some((p) => p.spoolId === u.spoolId));
      return { uploads: [...finished.slice(-5), ...fresh] };
    });
  };

  let reportedStatus: DesktopStatus | undefined;
  const reportStatus = () => {
    const status = desktopStatusOf(get());
    if (status === reportedStatus) return;
    reportedStatus = status;
    void desktopApi()
      .reportStatus(status)
      .catch(() => undefined);
  };

  return {
    client: undefined,
    user: undefined,
    connection: 'offline',
    agentState: undefined,
    calls: [],
    screen: { kind: 'idle' },
    uploads: [],
    error: undefined,
    screenShared: false,

    shareScreen() {
      screenShare ??= new DisplayMediaShare(
        () => captureSettings,
        (live) => set({ screenShared: live }),
      );
      screenShare
        .acquire()
        .catch((error: unknown) => set({ error: `screen sharing was refused: ${errorMessage(error)}` }));
    },

    dismissError() {
      set({ error: undefined });
    },

    async login(backendUrl, username, password) {
      set({ error: undefined });
      const client = new BackendClient(backendUrl);
      try {
        const session = await client.login(username, password);
        if (session.user.role !== 'agent' || !session.user.dn) {
          // The supervisor view is where this user works: open it (its own window in Electron).
          set({ error: `${username} is a ${session.user.role}, not an agent: log in to the supervisor view` });
          await desktopApi().openView('supervisor');
          return;
        }
        set({ client, user: session.user, connection: 'connecting' });
        // Asked right away, while the login click still counts as a user action (about 5 s).
        get().shareScreen();
      } catch (error) {
        set({ error: errorMessage(error) });
        return;
      }
      const api = desktopApi();
      captureSettings = (await api.getSettings()).capture;
      useAgentStore.subscribe(reportStatus);
      api.onScreenUploadProgress((progress) => {
        set((state) => ({ uploads: applyUploadProgress(state.uploads, progress) }));
        if (progress.state !== 'uploading') void refreshUploads().catch(() => undefined);
      });
      recorder = new ScreenRecorder({
        api,
        startCapture: displayMediaCapture(
          screenShare ?? new DisplayMediaShare(() => captureSettings),
          () => captureSettings,
        ),
        token: () => client.bearer ?? '',
        onState: (screen) => {
          set({ screen });
          void refreshUploads().catch(() => undefined);
        },
        tenantKey: () => client.screenRecordingKey(),
        reportIncident: (incident) => client.reportScreenIncident(incident),
      });
      // What an earlier run left (a crash, a kill, no network) goes up once the socket connects.
      void refreshUploads().catch(() => undefined);

      if (socket) closeEventStream(socket);
      socket = connectEventStream(backendUrl, client.bearer ?? '');
      socket.on('connect', () => {
        set({ connection: 'online' });
        // Back online: what waited for the network goes up now (uploads under way are not repeated).
        void api
          .uploadPendingScreenSpools(client.bearer ?? '')
          .then(refreshUploads)
          .catch((error: unknown) => set({ error: `screen recordings could not be uploaded: ${errorMessage(error)}` }));
        void catchUp().catch((error: unknown) =>
          set({ error: `could not fetch the current calls: ${errorMessage(error)}` }),
        );
      });
      socket.onAny(() => {
        eventsReceived += 1;
      });
      socket.on('disconnect', () => set({ connection: 'reconnecting' }));
      socket.on('connect_error', (error) =>
        set({ connection: 'reconnecting', error: `event connection: ${error.message}` }),
      );
      socket.on('EventAgentReady', (agentState) => set({ agentState }));
      socket.on('EventAgentNotReady', (agentState) => set({ agentState }));
      socket.on('EventRinging', (event) => onCallEvent(event, 'ringing'));
      socket.on('EventEstablished', (event) => {
        onCallEvent(event, 'established');
        // Joining a call whose recording already runs (a transfer, a conference) sends no
        // RecordingStarted to this DN: the SIP Server's view of the call says whether it is recorded.
        void catchUp().catch((error: unknown) =>
          set({ error: `could not fetch the current calls: ${errorMessage(error)}` }),
        );
      });
      socket.on('EventReleased', (event) => {
        onCallEvent(event, 'released');
        void recorder?.callLeft(event.connId);
      });
      socket.on('EventPartyAdded', onPartiesChanged);
      socket.on('EventPartyDeleted', onPartiesChanged);
      socket.on('RecordingStarted', (event) => {
        setRecording(event.connId, 'recording');
        void recorder?.voiceRecordingStarted(event);
      });
      socket.on('RecordingPaused', (event) => {
        setRecording(event.connId, 'paused');
        void recorder?.voiceRecordingPaused(event);
      });
      socket.on('RecordingResumed', (event) => {
        setRecording(event.connId, 'recording');
        void recorder?.voiceRecordingResumed(event);
      });
      socket.on('RecordingStopped', (event) => {
        setRecording(event.connId, 'idle');
        void recorder?.voiceRecordingStopped(event);
      });
    },

    async setReady(ready) {
      const { client } = get();
      if (!client) return;
      try {
        set({ agentState: await client.setAgentState({ state: ready ? 'ready' : 'not-ready' }) });
      } catch (error) {
        set({ error: errorMessage(error) });
      }
    },

    async answer(connId) {
      const { client, user } = get();
      if (!client || !user?.dn) return;
      await client.callAction(connId, 'answer', user.dn).catch((error: unknown) => set({ error: errorMessage(error) }));
    },

    async release(connId) {
      const { client, user } = get();
      if (!client || !user?.dn) return;
      await client
        .callAction(connId, 'release', user.dn)
        .catch((error: unknown) => set({ error: errorMessage(error) }));
    },

    async transfer(connId, toDn, how) {
      const { client, user } = get();
      if (!client || !user?.dn) return;
      await client
        .callAction(connId, how, user.dn, toDn)
        .catch((error: unknown) => set({ error: errorMessage(error) }));
    },
  };
});
