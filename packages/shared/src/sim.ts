import { z } from 'zod';

/** A directory number as SIP Server knows it: digits, optionally with a leading `+`. */
export const dnSchema = z.string().regex(/^\+?[0-9]{2,20}$/, 'a DN is 2 to 20 digits');

/** The `record` key of the routing strategy's TRouteCall. */
export const routeRecordSchema = z.enum(['source', 'destination', 'disable_source', 'disable_destination']);
export type RouteRecord = z.infer<typeof routeRecordSchema>;

/** Attached data (user data) travels with the call as flat key/value pairs, as in T-Library. */
export const attachedDataSchema = z.record(z.string().max(64), z.string().max(1024));

export const createCallRequestSchema = z.object({
  ani: dnSchema,
  dnis: dnSchema,
  targetDn: dnSchema,
  record: routeRecordSchema.optional(),
  recordId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a record id is 1 to 64 letters, digits, dots, dashes')
    .optional(),
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

export const callActionSchema = z.enum(['answer', 'transfer', 'conference', 'release']);
export type CallAction = z.infer<typeof callActionSchema>;

export const callActionRequestSchema = z.object({
  dn: dnSchema,
  toDn: dnSchema.optional(),
});
export type CallActionRequest = z.infer<typeof callActionRequestSchema>;

export const callStateSchema = z.enum(['ringing', 'established', 'released']);
export type CallState = z.infer<typeof callStateSchema>;

export const partyRoleSchema = z.enum(['customer', 'agent']);

export const callPartySchema = z.object({
  dn: z.string(),
  role: partyRoleSchema,
  state: callStateSchema,
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
  }),
  attachedData: attachedDataSchema,
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
