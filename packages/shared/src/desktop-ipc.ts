import { z } from 'zod';
import type {
  DesktopApi,
  DesktopStatus,
  PendingScreenUpload,
  ScreenCaptureSettings,
  ScreenUploadProgress,
} from './desktop-api.ts';
import type { DesktopInvokeMethod } from './desktop-ipc-channels.ts';
import { screenUploadMetadataSchema } from './screen-upload.ts';

// What may cross each channel named in desktop-ipc-channels.ts; the main process checks every
// request against these before acting on it.

/** The main process names spools with `crypto.randomUUID()`; anything else is not a spool. */
export const screenSpoolIdSchema = z.uuid();

/**
 * MediaRecorder yields a chunk every 2 s; at the 1 Mbit/s the recorder asks for that is about
 * 250 kB. The cap leaves room for a busy 4K screen while refusing a renderer that tries to make
 * the main process buffer an unbounded message.
 */
export const maxScreenChunkBytes = 32 * 1024 * 1024;
export const screenChunkSchema = z
  .instanceof(Uint8Array)
  .refine((chunk) => chunk.byteLength > 0, 'a screen chunk is never empty')
  .refine((chunk) => chunk.byteLength <= maxScreenChunkBytes, `a screen chunk is at most ${maxScreenChunkBytes} bytes`);

/** The backend's bearer token, handed over only to authorise the upload. */
export const bearerTokenSchema = z.string().min(1).max(8192);

export const desktopStatusSchema = z.enum([
  'idle',
  'recording',
  'paused',
  'uploading',
  'offline',
]) satisfies z.ZodType<DesktopStatus>;

/** Bounds that keep a mistyped settings file from asking for an unusable capture. */
export const screenCaptureSettingsSchema = z.object({
  frameRate: z.number().int().min(1).max(30),
  maxWidth: z.number().int().min(320).max(7680),
  maxHeight: z.number().int().min(240).max(4320),
  videoBitsPerSecond: z.number().int().min(100_000).max(8_000_000),
}) satisfies z.ZodType<ScreenCaptureSettings>;

export const pendingScreenUploadSchema = z.object({
  spoolId: screenSpoolIdSchema,
  connId: z.string(),
  bytes: z.number().int().nonnegative(),
  state: z.enum(['recording', 'waiting']),
  interrupted: z.enum(['crash', 'disk_full']).optional(),
}) satisfies z.ZodType<PendingScreenUpload>;

/** The arguments of each invoke channel, in the order the DesktopApi method takes them. */
export const desktopInvokeArgsSchemas = {
  getSettings: z.tuple([]),
  saveBackendUrl: z.tuple([z.url({ protocol: /^https?$/ }).max(2048)]),
  openScreenSpool: z.tuple([screenUploadMetadataSchema]),
  appendScreenChunk: z.tuple([screenSpoolIdSchema, screenChunkSchema]),
  uploadScreenSpool: z.tuple([screenSpoolIdSchema, bearerTokenSchema]),
  uploadPendingScreenSpools: z.tuple([bearerTokenSchema]),
  listPendingScreenUploads: z.tuple([]),
  reportStatus: z.tuple([desktopStatusSchema]),
  openView: z.tuple([z.enum(['agent', 'supervisor'])]),
} satisfies { [M in DesktopInvokeMethod]: z.ZodType<Parameters<DesktopApi[M]>> };

export type DesktopInvokeArgs<M extends DesktopInvokeMethod> = z.infer<(typeof desktopInvokeArgsSchemas)[M]>;
export type DesktopInvokeResult<M extends DesktopInvokeMethod> = Awaited<ReturnType<DesktopApi[M]>>;

export const screenUploadProgressSchema = z.object({
  spoolId: screenSpoolIdSchema,
  bytesSent: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  state: z.enum(['uploading', 'done', 'failed']),
  message: z.string().optional(),
}) satisfies z.ZodType<ScreenUploadProgress>;
