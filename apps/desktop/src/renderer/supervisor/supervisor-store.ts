import { create } from 'zustand';
import type { Recording, User } from '@vox/shared';
import { BackendClient } from '../backend/backend-client.ts';
import { connectEventStream, type EventSocket } from '../backend/event-stream.ts';

interface SupervisorState {
  client: BackendClient | undefined;
  user: User | undefined;
  recordings: Recording[];
  selected: Recording | undefined;
  loading: boolean;
  error: string | undefined;
  login(backendUrl: string, username: string, password: string): Promise<void>;
  refresh(): Promise<void>;
  select(id: string): Promise<void>;
}

let socket: EventSocket | undefined;

export const useSupervisorStore = create<SupervisorState>()((set, get) => ({
  client: undefined,
  user: undefined,
  recordings: [],
  selected: undefined,
  loading: false,
  error: undefined,

  async login(backendUrl, username, password) {
    const client = new BackendClient(backendUrl);
    try {
      const session = await client.login(username, password);
      if (session.user.role === 'agent') {
        set({ error: `${username} is an agent: recordings are for supervisors and admins` });
        return;
      }
      set({ client, user: session.user, error: undefined });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
      return;
    }
    socket?.disconnect();
    socket = connectEventStream(backendUrl, client.bearer ?? '');
    const refresh = () => void get().refresh();
    socket.on('RecordingStored', refresh);
    socket.on('ScreenRecordingStored', (event) => {
      refresh();
      if (get().selected?.id === event.recordingId) void get().select(event.recordingId);
    });
    await get().refresh();
  },

  async refresh() {
    const client = get().client;
    if (!client) return;
    set({ loading: true });
    try {
      const list = await client.recordings({ limit: '50' });
      set({ recordings: list.recordings, error: undefined });
    } catch (error) {
      set({ error: `could not load recordings: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      set({ loading: false });
    }
  },

  async select(id) {
    const client = get().client;
    if (!client) return;
    try {
      set({ selected: await client.recording(id) });
    } catch (error) {
      set({ error: `could not open recording ${id}: ${error instanceof Error ? error.message : String(error)}` });
    }
  },
}));
