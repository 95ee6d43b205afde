import type { AgentStateEvent, CallParty, DesktopStatus, User } from '@vox/shared';
import type { ScreenRecorderState } from '../screen-recorder/screen-recorder.ts';
import type { UploadItem } from './upload-queue.ts';

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

/** What the agent page shows: the agent session writes it, the views read it. */
export interface AgentDesktopState {
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
}

export const loggedOutState: AgentDesktopState = {
  user: undefined,
  connection: 'offline',
  agentState: undefined,
  calls: [],
  screen: { kind: 'idle' },
  uploads: [],
  error: undefined,
  screenShared: false,
};

/** What the tray icon (or the tab title) shows. */
export function desktopStatusOf(state: Pick<AgentDesktopState, 'connection' | 'screen' | 'uploads'>): DesktopStatus {
  if (state.connection !== 'online') return 'offline';
  if (state.screen.kind === 'recording' || state.screen.kind === 'starting') return 'recording';
  if (state.screen.kind === 'paused') return 'paused';
  if (state.uploads.some((u) => u.state === 'uploading')) return 'uploading';
  return 'idle';
}
