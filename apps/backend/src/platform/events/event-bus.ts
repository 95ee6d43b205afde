import { EventEmitter } from 'node:events';
import type {
  AgentStateEvent,
  CallEventName,
  RecordingEvent,
  RecordingEventName,
  ScreenRecordingStored,
  TEvent,
  TraceMessage,
} from '@vox/shared';

/** What the domain publishes. The API layer forwards these to sockets; the domain never imports it. */
export type DomainEvents = {
  callEvent: [name: CallEventName, event: TEvent];
  recordingEvent: [name: RecordingEventName, event: RecordingEvent, group: string | undefined];
  screenRecordingStored: [event: ScreenRecordingStored, dn: string, group: string | undefined];
  /** a media file of a recording is stored and indexed (the analytics step listens for WAVs) */
  mediaStored: [recordingId: string, mediaId: string, type: string, storagePath: string];
  /** an agent went Ready or Not Ready */
  agentState: [event: AgentStateEvent];
  /** a recorded call ended (or the backend stops): its SIP and MSML ladder is complete */
  callLadderComplete: [connId: string, callUuid: string, messages: TraceMessage[]];
  /** sessions ended before their expiry (a logout; a user's password, role, DN or group changed) */
  sessionsEnded: [ended: EndedSessions];
};

/** One session by its token's hash, or every session of a user. */
export type EndedSessions = { tokenHash: string } | { userId: string };

export class EventBus extends EventEmitter<DomainEvents> {}
