import { z } from 'zod';
import { attachedDataSchema, connIdSchema, dnSchema, recordIdSchema, recordingDestSchema } from './sim.ts';

/** TPrivateService PrivateMsgIDs SIP Server understands for recording (GIR "Mid-Call Control"). */
export const privateMsgIds = {
  GSIP_RECORD_START: 3013,
  GSIP_RECORD_STOP: 3014,
  GSIP_RECORD_PAUSE: 3015,
  GSIP_RECORD_RESUME: 3016,
} as const;
export type PrivateMsgName = keyof typeof privateMsgIds;
export type PrivateMsgId = (typeof privateMsgIds)[PrivateMsgName];

/**
 * Extensions of GSIP_RECORD_START (GIR): `record` says whose side is recorded (default `source`),
 * `id` names the recording (globally unique; generated when absent), `dest` overrides where the
 * file goes. Ignored by the other requests.
 */
export const privateServiceExtensionsSchema = z
  .object({
    record: z.enum(['source', 'destination']).optional(),
    id: recordIdSchema.optional(),
    dest: recordingDestSchema.optional(),
  })
  .catchall(z.string().max(1024));

/**
 * `POST /sim/private-service`: a T-Library TPrivateService request. `privateMsgId` is a plain
 * integer on purpose: an unknown one is answered with EventError, as SIP Server does, not with a
 * schema error.
 */
export const privateServiceRequestSchema = z.object({
  privateMsgId: z.number().int(),
  thisDn: dnSchema,
  connId: connIdSchema,
  reasons: attachedDataSchema.optional(),
  extensions: privateServiceExtensionsSchema.optional(),
});
export type PrivateServiceRequest = z.infer<typeof privateServiceRequestSchema>;

export const eventAckSchema = z.object({
  event: z.literal('EventACK'),
  privateMsgId: z.number().int(),
  thisDn: z.string(),
  connId: z.string(),
  /** the recording the request acted on */
  recordingId: z.string().optional(),
  reasons: attachedDataSchema.optional(),
});
export type EventAck = z.infer<typeof eventAckSchema>;

/**
 * EventError codes. Vox numbers them itself (Genesys does not publish the ones SIP Server uses for
 * recording requests); each has a fixed name and HTTP status.
 */
export const tErrorCodes = {
  unknownPrivateMsgId: { code: 1601, status: 400, name: 'UnknownPrivateMsgID' },
  unknownConnectionId: { code: 1602, status: 404, name: 'InvalidConnectionID' },
  dnNotRegistered: { code: 1603, status: 403, name: 'DNNotRegistered' },
  notRecording: { code: 1604, status: 409, name: 'NotRecording' },
  notPaused: { code: 1605, status: 409, name: 'NotPaused' },
  alreadyRecording: { code: 1606, status: 409, name: 'AlreadyRecording' },
  alreadyPaused: { code: 1607, status: 409, name: 'AlreadyPaused' },
  recordingUnavailable: { code: 1608, status: 409, name: 'RecordingResourceUnavailable' },
  recordingIdInUse: { code: 1609, status: 409, name: 'RecordingIdInUse' },
  dnNotInCall: { code: 1610, status: 403, name: 'DNNotInCall' },
} as const;
export type TErrorKey = keyof typeof tErrorCodes;

export const eventErrorSchema = z.object({
  event: z.literal('EventError'),
  errorCode: z.number().int(),
  errorName: z.string(),
  errorMessage: z.string(),
  privateMsgId: z.number().int().optional(),
  thisDn: z.string().optional(),
  connId: z.string().optional(),
});
export type EventError = z.infer<typeof eventErrorSchema>;

/** `POST /sim/register`: TRegisterAddress, so the client may act on behalf of `dn`. */
export const registerAddressRequestSchema = z.object({ dn: dnSchema });
export type RegisterAddressRequest = z.infer<typeof registerAddressRequestSchema>;

export const registeredAddressesSchema = z.object({
  dns: z.array(z.string()),
  /** admins count as registered on every DN */
  allDns: z.boolean(),
});
export type RegisteredAddresses = z.infer<typeof registeredAddressesSchema>;
