import { z } from 'zod';

/** A directory number as SIP Server knows it: digits, optionally with a leading `+`. */
export const dnSchema = z.string().regex(/^\+?[0-9]{2,20}$/, 'a DN is 2 to 20 digits');

/** The `record` key of the routing strategy's TRouteCall. */
export const routeRecordSchema = z.enum(['source', 'destination', 'disable_source', 'disable_destination']);
export type RouteRecord = z.infer<typeof routeRecordSchema>;

/** Attached data (user data) travels with the call as flat key/value pairs, as in T-Library. */
export const attachedDataSchema = z.record(z.string().max(64), z.string().max(1024));

/** A recording's id as the routing strategy or a T-Library client may give it (GIR: `id`). */
export const recordIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a record id is 1 to 64 letters, digits, dots, dashes');

/**
 * The routing strategy's (or a request's) `dest`: the storage folder the files go to instead of
 * the default day folders, relative to the media storage.
 */
export const recordingDestSchema = z
  .string()
  .max(256)
  .regex(
    /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/,
    'a dest is a relative folder such as legal/2026',
  );

/** The DN types SIP Server models (GIR: static recording applies to each of them). */
export const dnTypeSchema = z.enum(['Extension', 'ACDPosition', 'TrunkGroup', 'VoiceTreatmentPort']);
export type DnType = z.infer<typeof dnTypeSchema>;

/** The DN types a call can be routed to for IVR treatment: the IVR answers at once. */
export const ivrDnTypes: readonly DnType[] = ['TrunkGroup', 'VoiceTreatmentPort'];

/** `PUT /sim/dns/{dn}`: the DN's static configuration (GIR: `[TServer] record=true`). */
export const dnConfigRequestSchema = z.object({
  type: dnTypeSchema,
  record: z.boolean(),
});
export type DnConfigRequest = z.infer<typeof dnConfigRequestSchema>;

export const dnConfigSchema = z.object({
  dn: z.string(),
  type: dnTypeSchema,
  record: z.boolean(),
  /** the agent whose extension this is, when one is */
  agent: z.string().optional(),
});
export type DnConfig = z.infer<typeof dnConfigSchema>;

export const createCallRequestSchema = z.object({
  ani: dnSchema,
  dnis: dnSchema,
  targetDn: dnSchema,
  record: routeRecordSchema.optional(),
  recordId: recordIdSchema.optional(),
  dest: recordingDestSchema.optional(),
  attachedData: attachedDataSchema.optional(),
});
export type CreateCallRequest = z.infer<typeof createCallRequestSchema>;

export const createCallResponseSchema = z.object({
  connId: z.string(),
  callUuid: z.string(),
});
export type CreateCallResponse = z.infer<typeof createCallResponseSchema>;

/** ConnectionID: 16 hexadecimal digits, as Genesys prints it. */
export const connIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a ConnectionID is 16 hex digits');

/**
 * `POST /sim/calls/{connId}/<action>`, `dn` being the party that acts:
 * - `answer`, `release`: `{dn}`;
 * - `transfer` (single-step), `conference` (single-step: `toDn` rings and joins on answer): `{dn, toDn}`;
 * - `initiate-transfer`, `initiate-conference`: `{dn, toDn}`, a consultation call to `toDn`
 *   (the original call is held); `complete-transfer`, `complete-conference`: `{dn}` merges it.
 */
export const callActionSchema = z.enum([
  'answer',
  'release',
  'transfer',
  'conference',
  'initiate-transfer',
  'complete-transfer',
  'initiate-conference',
  'complete-conference',
]);
export type CallAction = z.infer<typeof callActionSchema>;

export const callActionRequestSchema = z.object({
  dn: dnSchema,
  toDn: dnSchema.optional(),
});
export type CallActionRequest = z.infer<typeof callActionRequestSchema>;

/** DTMF digits as a party keys them (RFC 4733 events 0-9, *, #, A-D). */
export const dtmfDigitsSchema = z.string().regex(/^[0-9*#A-D]{1,32}$/, 'DTMF digits are 0-9, *, #, A-D (1 to 32)');

/** `POST /sim/calls/{connId}/digits`: the party on `dn` keys `digits`. */
export const sendDigitsRequestSchema = z.object({ dn: dnSchema, digits: dtmfDigitsSchema });
export type SendDigitsRequest = z.infer<typeof sendDigitsRequestSchema>;

/**
 * `POST /sim/calls/{connId}/ivr-record`: the IVR application's recording control, what VoiceXML's
 * `<log gvp:dest="record">start|pause|resume|stop</log>` does on GVP. `dn` is the IVR's DN.
 */
export const ivrRecordActionSchema = z.enum(['start', 'pause', 'resume', 'stop']);
export const ivrRecordRequestSchema = z.object({ dn: dnSchema, action: ivrRecordActionSchema });
export type IvrRecordRequest = z.infer<typeof ivrRecordRequestSchema>;

export const callStateSchema = z.enum(['ringing', 'established', 'released']);
export type CallState = z.infer<typeof callStateSchema>;

/** A party's state; `held` while its DN consults another party (two-step transfer or conference). */
export const partyStateSchema = z.enum(['ringing', 'established', 'held', 'released']);
export type PartyState = z.infer<typeof partyStateSchema>;

export const partyRoleSchema = z.enum(['customer', 'agent', 'ivr']);
export type PartyRole = z.infer<typeof partyRoleSchema>;

export const callPartySchema = z.object({
  dn: z.string(),
  role: partyRoleSchema,
  state: partyStateSchema,
  /** whether this party keeps the call's recording going (GIR: a recording-enabled party) */
  recordEnabled: z.boolean().optional(),
  /** why it is, or is not: `DN config record=true`, `routing strategy record=destination`, ... */
  recordReason: z.string().optional(),
});
export type CallParty = z.infer<typeof callPartySchema>;

export const recordingStateSchema = z.enum(['idle', 'recording', 'paused']);
export type RecordingState = z.infer<typeof recordingStateSchema>;

/** The current state of one call, as `GET /sim/calls/{connId}` and the agent's catch-up see it. */
export const callSnapshotSchema = z.object({
  connId: connIdSchema,
  callUuid: z.string(),
  ani: z.string(),
  dnis: z.string(),
  state: callStateSchema,
  parties: z.array(callPartySchema),
  recording: z.object({
    state: recordingStateSchema,
    recordingId: z.string().optional(),
    /** the MCP the Resource Manager gave the recording to */
    mcp: z.string().optional(),
    /** why the call is, or is not, being recorded: the rule that decided */
    note: z.string().optional(),
  }),
  attachedData: attachedDataSchema,
  /** for a consultation call: the call it consults from */
  consultOf: connIdSchema.optional(),
  /** `siprec`: a real call an SBC or PBX records through Vox; it is controlled there, not here */
  origin: z.enum(['simulation', 'siprec']).optional(),
});
export type CallSnapshot = z.infer<typeof callSnapshotSchema>;

export const traceMessageSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  from: z.string(),
  to: z.string(),
  summary: z.string(),
  text: z.string(),
});
export type TraceMessage = z.infer<typeof traceMessageSchema>;
