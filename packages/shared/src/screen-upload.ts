import { z } from 'zod';

/** tus `Upload-Metadata` of a screen recording upload (values are strings on the wire). */
export const screenUploadMetadataSchema = z.object({
  connId: z.string().regex(/^[0-9a-f]{16}$/),
  recordingId: z.string().min(1).max(128).optional(),
  filetype: z.literal('video/webm'),
  startedAt: z.iso.datetime({ offset: true }),
});
export type ScreenUploadMetadata = z.infer<typeof screenUploadMetadataSchema>;

export const screenUploadPath = '/api/v2/screen-recordings/uploads';
