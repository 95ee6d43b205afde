import type { StoreApi } from 'zustand';
import {
  defaultScreenCaptureSettings,
  errorMessage,
  type CallAction,
  type CallSnapshot,
  type DesktopApi,
  type DesktopStatus,
  type ScreenCaptureSettings,
  type TEvent,
  type User,
} from '@vox/shared';
import type { BackendClient } from '../backend/backend-client.ts';
import { closeEventStream, connectEventStream, type EventSocket } from '../backend/event-stream.ts';
import type { StartScreenCapture } from '../screen-recorder/screen-capture.ts';
import { ScreenRecorder, type VoiceRecording } from '../screen-recorder/screen-recorder.ts';
import { desktopStatusOf, type AgentCall, type AgentDesktopState } from './agent-state.ts';
import { applyUploadProgress, pendingToUploadItem } from './upload-queue.ts';

/** What the session asks of the backend's REST API. */
export type AgentBackend = Pick<
  BackendClient,
  | 'baseUrl'
  | 'bearer'
  | 'login'
  | 'callsOf'
  | 'agentState'
  | 'setAgentState'
  | 'callAction'
  | 'screenRecordingKey'
  | 'reportScreenIncident'
>;

/** The agent's screen, shared once for the session; every screen recording is taken from it. */
export interface SharedScreen {
  /** Asks for the screen unless it is shared already; browsers allow that only right after a click. */
  acquire(): Promise<unknown>;
  startCapture: StartScreenCapture;
  /** Stops sharing the screen. */
  release(): void;
}

export interface AgentSessionOptions {
  client: AgentBackend;
  api: DesktopApi;
  /** the page's state, which the session writes and the views read */
  store: StoreApi<AgentDesktopState>;
  /** `onLiveChange` hears when the agent starts or stops sharing */
  shareScreen(settings: () => ScreenCaptureSettings, onLiveChange: (live: boolean) => void): SharedScreen;
}

/** A catch-up that keeps being overtaken by events gives up after this many tries. */
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

/**
 * One agent's login, from the login click to the logout or the window closing: it holds the event
 * connection, the shared screen, the screen recorder and the subscriptions, and writes what they
 * report into the store. `dispose()` ends every one of them; once disposed, nothing the session
 * hears any longer reaches the store, so a late event cannot touch the next login's state.
 */
export class AgentSession {
  private disposed = false;
  private agent: (User & { dn: string }) | undefined;
  private socket: EventSocket | undefined;
  private recorder: ScreenRecorder | undefined;
  private screen: SharedScreen | undefined;
  private captureSettings: ScreenCaptureSettings = defaultScreenCaptureSettings;
  /** counts the events received, to tell whether a catch-up went stale */
  private eventsReceived = 0;
  private reportedStatus: DesktopStatus | undefined;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(private readonly options: AgentSessionOptions) {}

  /** Logs in and, for an agent, starts the session. Must run in the login click's handler (see shareScreen). */
  async logIn(username: string, password: string): Promise<void> {
    const { client, api } = this.options;
    this.update({ error: undefined });
    let agent: User & { dn: string };
    try {
      const { user } = await client.login(username, password);
      if (user.role !== 'agent' || !user.dn) {
        // The supervisor view is where this user works: open it (its own window in Electron).
        this.update({ error: `${username} is a ${user.role}, not an agent: log in to the supervisor view` });
        await api.openView('supervisor');
        return;
      }
      agent = { ...user, dn: user.dn };
    } catch (error) {
      this.update({ error: errorMessage(error) });
      return;
    }
    if (this.disposed) return;
    this.agent = agent;
    this.update({ user: agent, connection: 'connecting' });
    this.screen = this.options.shareScreen(
      () => this.captureSettings,
      (live) => this.update({ screenShared: live }),
    );
    // Asked right away, while the login click still counts as a user action (about 5 s).
    this.shareScreen();
    this.captureSettings = (await api.getSettings()).capture;
    if (this.disposed) return;
    this.start(this.screen);
  }

  /** Must run in a click handler: browsers allow screen sharing only right after a user action. */
  shareScreen(): void {
    const screen = this.screen;
    if (this.disposed || !screen) return;
    // The executor runs now, inside the click; a share that throws is refused like one that rejects.
    void new Promise((resolve) => resolve(screen.acquire())).catch((error: unknown) =>
      this.update({ error: `screen sharing was refused: ${errorMessage(error)}` }),
    );
  }

  async setReady(ready: boolean): Promise<void> {
    if (!this.agent) return;
    try {
      this.update({ agentState: await this.options.client.setAgentState({ state: ready ? 'ready' : 'not-ready' }) });
    } catch (error) {
      this.update({ error: errorMessage(error) });
    }
  }

  answer(connId: string): Promise<void> {
    return this.callAction(connId, 'answer');
  }

  release(connId: string): Promise<void> {
    return this.callAction(connId, 'release');
  }

  transfer(connId: string, toDn: string, how: 'transfer' | 'conference'): Promise<void> {
    return this.callAction(connId, how, toDn);
  }

  /** Ends the session (a logout, the window closing). A second call does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    if (this.socket) closeEventStream(this.socket);
    // A screen recording under way ends here and goes up; the recorder starts no other.
    void this.recorder?.stop();
    this.screen?.release();
    if (this.reportedStatus !== undefined && this.reportedStatus !== 'offline') {
      void this.options.api.reportStatus('offline').catch(() => undefined);
    }
  }

  private start(screen: SharedScreen): void {
    const { api, client, store } = this.options;
    this.unsubscribes.push(store.subscribe(() => this.reportStatus()));
    this.unsubscribes.push(
      api.onScreenUploadProgress((progress) => {
        this.update((state) => ({ uploads: applyUploadProgress(state.uploads, progress) }));
        if (progress.state !== 'uploading') void this.refreshUploads().catch(() => undefined);
      }),
    );
    const recorder = new ScreenRecorder({
      api,
      startCapture: screen.startCapture,
      token: () => client.bearer ?? '',
      onState: (screenState) => {
        this.update({ screen: screenState });
        void this.refreshUploads().catch(() => undefined);
      },
      tenantKey: () => client.screenRecordingKey(),
      reportIncident: (incident) => client.reportScreenIncident(incident),
    });
    this.recorder = recorder;
    // What an earlier run left (a crash, a kill, no network) goes up once the socket connects.
    void this.refreshUploads().catch(() => undefined);
    this.socket = connectEventStream(client.baseUrl, client.bearer ?? '');
    this.listen(this.socket, recorder);
  }

  private listen(socket: EventSocket, recorder: ScreenRecorder): void {
    const { api, client } = this.options;
    socket.on('connect', () => {
      this.update({ connection: 'online' });
      // Back online: what waited for the network goes up now (uploads under way are not repeated).
      void api
        .uploadPendingScreenSpools(client.bearer ?? '')
        .then(() => this.refreshUploads())
        .catch((error: unknown) =>
          this.update({ error: `screen recordings could not be uploaded: ${errorMessage(error)}` }),
        );
      this.catchUp();
    });
    socket.onAny(() => {
      this.eventsReceived += 1;
    });
    socket.on('disconnect', () => this.update({ connection: 'reconnecting' }));
    socket.on('connect_error', (error) =>
      this.update({ connection: 'reconnecting', error: `event connection: ${error.message}` }),
    );
    socket.on('EventAgentReady', (agentState) => this.update({ agentState }));
    socket.on('EventAgentNotReady', (agentState) => this.update({ agentState }));
    socket.on('EventRinging', (event) => this.onCallEvent(event, 'ringing'));
    socket.on('EventEstablished', (event) => {
      this.onCallEvent(event, 'established');
      // Joining a call whose recording already runs (a transfer, a conference) sends no
      // RecordingStarted to this DN: the SIP Server's view of the call says whether it is recorded.
      this.catchUp();
    });
    socket.on('EventReleased', (event) => {
      this.onCallEvent(event, 'released');
      void recorder.callLeft(event.connId);
    });
    socket.on('EventPartyAdded', (event) => this.onPartiesChanged(event));
    socket.on('EventPartyDeleted', (event) => this.onPartiesChanged(event));
    socket.on('RecordingStarted', (event) => {
      this.setRecording(event.connId, 'recording');
      void recorder.voiceRecordingStarted(event);
    });
    socket.on('RecordingPaused', (event) => {
      this.setRecording(event.connId, 'paused');
      void recorder.voiceRecordingPaused(event);
    });
    socket.on('RecordingResumed', (event) => {
      this.setRecording(event.connId, 'recording');
      void recorder.voiceRecordingResumed(event);
    });
    socket.on('RecordingStopped', (event) => {
      this.setRecording(event.connId, 'idle');
      void recorder.voiceRecordingStopped(event);
    });
  }

  /** Every write to the store goes through here: a disposed session writes nothing. */
  private update(
    change: Partial<AgentDesktopState> | ((state: AgentDesktopState) => Partial<AgentDesktopState>),
  ): void {
    if (!this.disposed) this.options.store.setState(change);
  }

  private upsertCall(connId: string, change: (call: AgentCall | undefined) => AgentCall | undefined): void {
    this.update((state) => {
      const existing = state.calls.find((c) => c.connId === connId);
      const next = change(existing);
      const calls = state.calls.map((c) => (c.connId === connId ? next : c)).filter((c) => c !== undefined);
      return { calls: existing || !next ? calls : [...calls, next] };
    });
  }

  private onCallEvent(event: TEvent, state: AgentCall['state'] | 'released'): void {
    this.upsertCall(event.connId, (call) => {
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
  }

  /** A party joined or left: the call stays, its parties change. */
  private onPartiesChanged(event: TEvent): void {
    this.upsertCall(event.connId, (call) => (call ? { ...call, parties: event.parties } : call));
  }

  private setRecording(connId: string, recording: AgentCall['recording']): void {
    this.upsertCall(connId, (call) => (call ? { ...call, recording } : call));
  }

  private async callAction(connId: string, action: CallAction, toDn?: string): Promise<void> {
    if (!this.agent) return;
    await this.options.client
      .callAction(connId, action, this.agent.dn, toDn)
      .catch((error: unknown) => this.update({ error: errorMessage(error) }));
  }

  /** After a (re)connect: the calls and recordings of this DN as the SIP Server has them now. */
  private catchUp(): void {
    this.fetchCurrentCalls().catch((error: unknown) =>
      this.update({ error: `could not fetch the current calls: ${errorMessage(error)}` }),
    );
  }

  private async fetchCurrentCalls(): Promise<void> {
    const { client } = this.options;
    const agent = this.agent;
    if (!agent) return;
    for (let attempt = 0; attempt < catchUpAttempts && !this.disposed; attempt++) {
      const before = this.eventsReceived;
      const [snapshots, agentState] = await Promise.all([client.callsOf(agent.dn), client.agentState()]);
      // An event that came while the snapshot was on its way may be newer than the snapshot
      // (a RecordingStarted right after an answer): applying the snapshot would undo it. Ask again.
      if (this.eventsReceived !== before) continue;
      this.update({
        agentState,
        calls: snapshots.map((s) => fromSnapshot(s, agent.dn)).filter((c): c is AgentCall => c !== undefined),
      });
      await this.recorder?.catchUp(voiceRecordingsOf(snapshots, agent.dn));
      return;
    }
  }

  private async refreshUploads(): Promise<void> {
    const pending = await this.options.api.listPendingScreenUploads();
    this.update((state) => {
      const known = new Map(state.uploads.map((u) => [u.spoolId, u]));
      const fresh = pending.map((p) => pendingToUploadItem(p, known.get(p.spoolId)));
      const finished = state.uploads.filter((u) => u.state === 'done' && !pending.some((p) => p.spoolId === u.spoolId));
      return { uploads: [...finished.slice(-5), ...fresh] };
    });
  }

  private reportStatus(): void {
    const status = desktopStatusOf(this.options.store.getState());
    if (status === this.reportedStatus) return;
    this.reportedStatus = status;
    void this.options.api.reportStatus(status).catch(() => undefined);
  }
}
