import { z } from 'zod';

/** tus `Upload-Metadata` of a screen recording upload (values are strings on the wire). */
export const screenUploadMetadataSchema = z.object({
  connId: z.string().regex(/^[0-9a-f]{16}$/),
  recordingId: z.string().min(1).max(128).optional(),
  filetype: z.literal('video/webm'),
  startedAt: z.iso.datetime({ offset: true }),
  /**
   * Set when the recording was cut short: `crash` (the desktop died; the file ends at the last
   * chunk that reached the disk, without the encryption's closing chunk), `disk_full` (the agent's
   * disk filled up and the recording was stopped). The backend keeps what arrived and says so.
   */
  interrupted: z.enum(['crash', 'disk_full']).optional(),
});
export type ScreenUploadMetadata = z.infer<typeof screenUploadMetadataSchema>;

export const screenUploadPath = '/api/v2/screen-recordings/uploads';

/** The metadata as tus sends it: every field that is set, as a string. */
export function screenUploadTusMetadata(metadata: ScreenUploadMetadata): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) if (value !== undefined) fields[key] = String(value);
  return fields;
}

/**
 * `POST /screen-recordings/incidents`: the desktop tells the backend its screen recording of a
 * call stopped early, so supervisors learn of it even if the upload never comes.
 */
export const screenRecordingIncidentSchema = z.object({
  connId: z.string().regex(/^[0-9a-f]{16}$/),
  recordingId: z.string().min(1).max(128).optional(),
  reason: z.enum(['disk_full', 'capture_ended', 'capture_refused']),
  message: z.string().max(1000),
});
export type ScreenRecordingIncident = z.infer<typeof screenRecordingIncidentSchema>;

/** `GET /admin/screen-uploads/failed`: screen recordings the backend refused or could not mux, newest first. */
export const failedScreenUploadListSchema = z.object({
  uploads: z.array(
    z.object({
      uploadId: z.string(),
      connId: z.string(),
      recordingId: z.string().optional(),
      uploadedBy: z.string(),
      failure: z.string(),
      at: z.string(),
    }),
  ),
});
export type FailedScreenUploadList = z.infer<typeof failedScreenUploadListSchema>;
