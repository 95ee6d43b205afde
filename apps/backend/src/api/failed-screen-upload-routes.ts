import type pg from 'pg';
import { apiRoutes, type FailedScreenUploadList } from '@vox/shared';
import type { ApiRouteServer } from './api-route-server.ts';

/**
 * Screen recordings that never became part of a recording (refused, or the mux failed) are kept
 * on disk, apart from the muxed ones, and listed here for an admin to look into.
 */
export function registerFailedScreenUploadRoutes(routes: ApiRouteServer, pool: pg.Pool): void {
  routes.serve(apiRoutes.failedScreenUploads, async (): Promise<FailedScreenUploadList> => {
    const result = await pool.query<{
      upload_id: string;
      conn_id: string;
      recording_id: string | null;
      uploaded_by: string;
      failure: string | null;
      created_at: Date;
    }>(
      `SELECT upload_id, conn_id, recording_id, uploaded_by, failure, created_at FROM screen_uploads
        WHERE state = 'failed' ORDER BY created_at DESC LIMIT 500`,
    );
    return {
      uploads: result.rows.map((row) => ({
        uploadId: row.upload_id,
        connId: row.conn_id,
        ...(row.recording_id ? { recordingId: row.recording_id } : {}),
        uploadedBy: row.uploaded_by,
        failure: row.failure ?? 'unknown',
        at: row.created_at.toISOString(),
      })),
    };
  });
}
