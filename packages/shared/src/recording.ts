import { z } from 'zod';

export const pauseSchema = z.object({
  /** ms from the start of the media file */
  offset: z.number().int().nonnegative(),
  /** ms the recording stayed paused */
  duration: z.number().int().nonnegative(),
});
export type Pause = z.infer<typeof pauseSchema>;

export const mediaParametersSchema = z.object({
  connId: z.string(),
  ani: z.string(),
  dnis: z.string(),
  agentId: z.string().optional(),
  recordDN: z.string(),
  dateTime: z.string(),
});

/**
 * Why a voice file ends before the recording was stopped: the backend died (`crash`) or its media
 * worker did (`media_failure`), and the file was recovered from what reached the disk; or the
 * data directory filled up (`disk_full`).
 */
export const voiceInterruptionSchema = z.enum(['crash', 'media_failure', 'disk_full']);
export type VoiceInterruption = z.infer<typeof voiceInterruptionSchema>;

export const mediaFileSchema = z.object({
  mediaId: z.string(),
  type: z.string(),
  callUUID: z.string(),
  startTime: z.string(),
  stopTime: z.string(),
  /** ms */
  duration: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  ivrprofile: z.string(),
  parameters: mediaParametersSchema,
  pauses: z.array(pauseSchema),
  interrupted: voiceInterruptionSchema.optional(),
});
export type MediaFile = z.infer<typeof mediaFileSchema>;

export const screenRecordingSchema = z.object({
  mediaId: z.string(),
  type: z.string(),
  startTime: z.string(),
  /** ms */
  duration: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  /** mediaId of a JPEG still, playable through the same media route */
  thumbnail: z.string().optional(),
  /** the screen recording ends early: the agent's desktop crashed, or its disk filled up */
  interrupted: z.enum(['crash', 'disk_full']).optional(),
});
export type ScreenRecording = z.infer<typeof screenRecordingSchema>;

export const callEventSchema = z.object({
  at: z.string(),
  event: z.string(),
  dn: z.string().optional(),
  detail: z.string().optional(),
});
export type CallEvent = z.infer<typeof callEventSchema>;

/** What the analytics step (GIR: SpeechMiner's Interaction Receiver) found in the WAV. */
export const speechAnalyticsSchema = z.object({
  mediaId: z.string(),
  agentTalkMs: z.number().int(),
  customerTalkMs: z.number().int(),
  /** both parties silent */
  silenceMs: z.number().int(),
  /** both parties talking at once */
  overtalkMs: z.number().int(),
  longestSilenceMs: z.number().int(),
  /** DTMF digits heard in the recording */
  dtmfDigits: z.number().int(),
  /** DTMF in the recording: card digits may have been recorded (PCI DSS) */
  pciLeak: z.boolean(),
  analysedAt: z.string(),
});
export type SpeechAnalytics = z.infer<typeof speechAnalyticsSchema>;

/** How the call came to be recorded: Vox's simulated telephony, or a real call forked over SIPREC. */
export const recordingOriginSchema = z.enum(['simulation', 'siprec']);
export type RecordingOrigin = z.infer<typeof recordingOriginSchema>;

export const recordingSchema = z.object({
  id: z.string(),
  origin: recordingOriginSchema,
  connId: z.string(),
  callUuid: z.string(),
  callerPhoneNumber: z.string(),
  dialedPhoneNumber: z.string(),
  agentId: z.string().optional(),
  recordDN: z.string(),
  group: z.string().optional(),
  startTime: z.string(),
  stopTime: z.string(),
  mediaFiles: z.array(mediaFileSchema),
  screenRecordings: z.array(screenRecordingSchema),
  eventHistory: z.array(callEventSchema),
  attachedData: z.record(z.string(), z.string()),
  /** everyone who took part in the call, in the order they joined */
  parties: z.array(z.object({ dn: z.string(), role: z.enum(['customer', 'agent', 'ivr']) })),
  labels: z.array(z.string()),
  /** under legal hold: it cannot be deleted or purged */
  legalHold: z.boolean(),
  /** speech analytics of the WAV, in recording-and-analytics mode, once analysed */
  analytics: speechAnalyticsSchema.optional(),
});
export type Recording = z.infer<typeof recordingSchema>;

/** A label marks recordings for search and retention: letters, digits, dots, dashes, underscores. */
export const labelSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a label is 1 to 64 letters, digits, . _ -');

/** `PUT /recordings/{id}/labels`: the recording's labels, replacing the old ones. */
export const setLabelsRequestSchema = z.object({ labels: z.array(labelSchema).max(32) });

/** `PUT /recordings/{id}/legal-hold` (admin). */
export const legalHoldRequestSchema = z.object({
  hold: z.boolean(),
  reason: z.string().min(1).max(500),
});
export type LegalHoldRequest = z.infer<typeof legalHoldRequestSchema>;

/**
 * A retention rule: recordings older than `maxAgeDays` are purged, when they carry one of
 * `includeLabels` (any recording if empty) and none of `excludeLabels`. Legal hold always wins.
 */
export const retentionRuleSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a rule name is 1 to 64 letters, digits, . _ -'),
  maxAgeDays: z.number().int().min(1).max(36_500),
  includeLabels: z.array(labelSchema).default([]),
  excludeLabels: z.array(labelSchema).default([]),
});
export type RetentionRule = z.infer<typeof retentionRuleSchema>;

export const retentionRulesSchema = z.object({ rules: z.array(retentionRuleSchema).max(100) });

/** `POST /admin/purge`: what the retention rules purge (or, with `dryRun`, would purge). */
export const purgeResultSchema = z.object({
  dryRun: z.boolean(),
  recordings: z.array(z.object({ id: z.string(), startTime: z.string(), rule: z.string() })),
  /** recordings a rule matched but legal hold kept */
  keptByLegalHold: z.number().int(),
  /** recordings that could not be purged now (storage refused a delete); tried again next run */
  failed: z.array(z.object({ id: z.string(), error: z.string() })),
});
export type PurgeResult = z.infer<typeof purgeResultSchema>;

/** The orders a search can be listed in, each paged with its own cursor. */
export const recordingSortSchema = z.enum(['-startTime', 'startTime', '-duration', 'duration']);
export type RecordingSort = z.infer<typeof recordingSortSchema>;

/**
 * The longest duration a search may name, in seconds: durations are stored as 32-bit integer
 * milliseconds (24 days), and a bound past them is a caller's error, not the database's.
 */
export const maxSearchSeconds = Math.floor(2 ** 31 / 1000) - 1;

/** A search bound in time; year 0000, which ISO 8601 allows, does not exist for the database. */
const searchInstantSchema = z.iso
  .datetime({ offset: true })
  .refine((instant) => !instant.startsWith('0000'), 'the year 0000 is not a date');

export const recordingQuerySchema = z.object({
  callerPhoneNumber: z.string().max(32).optional(),
  dialedPhoneNumber: z.string().max(32).optional(),
  agent: z.string().max(128).optional(),
  connId: z.string().max(32).optional(),
  from: searchInstantSchema.optional(),
  to: searchInstantSchema.optional(),
  /** recordings carrying this label */
  label: labelSchema.optional(),
  /** recordings an agent of this group took part in */
  group: z.string().max(64).optional(),
  /** voice duration bounds, in seconds */
  minDuration: z.coerce.number().int().min(0).max(maxSearchSeconds).optional(),
  maxDuration: z.coerce.number().int().min(0).max(maxSearchSeconds).optional(),
  hasScreen: z.enum(['true', 'false']).optional(),
  /** analysed recordings with (true) or without (false) DTMF heard in them */
  pciLeak: z.enum(['true', 'false']).optional(),
  /** analysed recordings with at least this much overtalk, in seconds (fractions allowed) */
  minOvertalk: z.coerce.number().min(0).max(maxSearchSeconds).optional(),
  /** analysed recordings whose longest silence lasted at least this long, in seconds */
  minLongestSilence: z.coerce.number().min(0).max(maxSearchSeconds).optional(),
  /** the order of the results: newest first by default; `-` is descending */
  sort: recordingSortSchema.default('-startTime'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
export type RecordingQuery = z.infer<typeof recordingQuerySchema>;

export const recordingListSchema = z.object({
  recordings: z.array(recordingSchema),
  nextCursor: z.string().nullable(),
});
export type RecordingList = z.infer<typeof recordingListSchema>;

/**
 * What the MCP posts to the Recording Processor once storage has confirmed the file
 * (GIR: GVP -> Recording Processor Script).
 */
export const mcpMetadataSchema = z.object({
  recordingId: z.string(),
  /** absent: a simulated call's MCP */
  origin: recordingOriginSchema.optional(),
  connId: z.string(),
  callUuid: z.string(),
  recordDN: z.string(),
  mediaFile: mediaFileSchema,
  storagePath: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type McpMetadata = z.infer<typeof mcpMetadataSchema>;

/** `GET /admin/storage`: finished files waiting for storage (the outbox). */
export const storageStatusSchema = z.object({
  pending: z.number().int(),
  /** when the oldest waiting file was finished */
  oldest: z.string().optional(),
  lastError: z.string().optional(),
});
export type StorageStatus = z.infer<typeof storageStatusSchema>;

/** One audit record: who did what to which recording, when, from where. */
export const auditRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  /** user id */
  actor: z.string(),
  action: z.enum([
    'playback',
    /** a still of the screen recording shown in search results */
    'preview',
    'download',
    'delete',
    'purge',
    'legal-hold',
    'key-rotate',
    'labels',
    'user-create',
    'user-update',
    'dn-config',
    /** an agent desktop's screen recording stopped before its voice recording did */
    'screen-incident',
    /** a T-Library client started, stopped, paused or resumed a call's recording (TPrivateService) */
    'private-service',
    /** the retention rules were replaced; `details.rules` holds the new ones */
    'retention-rules',
    /** an admin took an MCP out of service (`target` is its name), or put it back */
    'mcp-fail',
    'mcp-recover',
    /** an agent desktop's screen recording finished uploading and was accepted for the muxer */
    'screen-upload',
    'login',
    /** a wrong username or password; `target` is the username tried */
    'login-failed',
    /** a user ended its session (`POST /auth/logout`) */
    'logout',
    /** an admin ran a failed background job again; `target` is `<queue>/<job id>` */
    'job-retry',
  ]),
  /** `<recordingId>` or `<recordingId>/<mediaId>` */
  target: z.string(),
  /** client address and user agent */
  source: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;
export type AuditAction = AuditRecord['action'];

export const auditListSchema = z.object({ records: z.array(auditRecordSchema), nextCursor: z.string().optional() });

/** `GET /admin/audit/verify`: whether the chain is intact, and where it breaks. */
export const auditVerificationSchema = z.object({
  records: z.number().int(),
  intact: z.boolean(),
  /** the first record that does not match the chain */
  brokenAt: z.number().int().optional(),
  problem: z.string().optional(),
  /** the newest record's hash: kept elsewhere, it also shows when newest records were deleted */
  headHash: z.string().optional(),
  /**
   * records from this one on are HMAC-keyed (the key lives outside the database); older ones are
   * the plain SHA-256 chain written before the key existed
   */
  keyedFrom: z.number().int().optional(),
});
export type AuditVerification = z.infer<typeof auditVerificationSchema>;

/** `GET /admin/keys`: the tenant keys; new media is encrypted with the current one. */
export const tenantKeyListSchema = z.object({
  encryption: z.boolean(),
  keys: z.array(z.object({ id: z.string(), createdAt: z.string(), current: z.boolean() })),
});
export type TenantKeyList = z.infer<typeof tenantKeyListSchema>;
