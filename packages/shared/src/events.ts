import { z } from 'zod';
import type { AgentStateEvent } from './agent-state.ts';
import { callPartySchema } from './sim.ts';

/** T-Library-style call events, sent to the DNs of the call's parties. */
export const callEventNames = [
  'EventRinging',
  'EventEstablished',
  'EventReleased',
  'EventPartyAdded',
  'EventPartyDeleted',
] as const;
export type CallEventName = (typeof callEventNames)[number];

export const tEventSchema = z.object({
  connId: z.string(),
  callUuid: z.string(),
  /** the DN this event is delivered to */
  dn: z.string(),
  /** the party the event is about, when that is not `dn` (T-Library AttributeOtherDN) */
  otherDn: z.string().optional(),
  /** the party that caused it: who transferred or conferenced (AttributeThirdPartyDN) */
  thirdPartyDn: z.string().optional(),
  ani: z.string(),
  dnis: z.string(),
  parties: z.array(callPartySchema),
  attachedData: z.record(z.string(), z.string()),
  at: z.string(),
  /** `siprec`: a real call an SBC or PBX records through Vox; it is controlled there, not here */
  origin: z.enum(['simulation', 'siprec']).optional(),
});
export type TEvent = z.infer<typeof tEventSchema>;

export const recordingEventNames = [
  'RecordingStarted',
  'RecordingPaused',
  'RecordingResumed',
  'RecordingStopped',
  'RecordingStored',
] as const;
export type RecordingEventName = (typeof recordingEventNames)[number];

export const recordingEventSchema = z.object({
  connId: z.string(),
  callUuid: z.string(),
  recordingId: z.string(),
  dn: z.string(),
  at: z.string(),
});
export type RecordingEvent = z.infer<typeof recordingEventSchema>;

/** The screen recording of a voice recording has been muxed and stored. */
export const screenRecordingStoredSchema = z.object({
  recordingId: z.string(),
  mediaId: z.string(),
  at: z.string(),
});
export type ScreenRecordingStored = z.infer<typeof screenRecordingStoredSchema>;

/** socket.io event map, server to client. */
export type ServerToClientEvents = {
  [K in CallEventName]: (event: TEvent) => void;
} & {
  [K in RecordingEventName]: (event: RecordingEvent) => void;
} & {
  ScreenRecordingStored: (event: ScreenRecordingStored) => void;
  EventAgentReady: (event: AgentStateEvent) => void;
  EventAgentNotReady: (event: AgentStateEvent) => void;
};

/** socket.io event map, client to server (none yet: requests go through REST). */
export type ClientToServerEvents = Record<string, never>;
