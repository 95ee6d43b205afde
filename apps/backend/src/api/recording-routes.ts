import { apiRoutes, type User } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { LegalHoldError, type RecordingLifecycle } from '../recording/recordings/recording-lifecycle.ts';
import type { RecordingStore } from '../recording/recordings/recording-store.ts';
import type { MediaVault } from '../recording/crypto/media-vault.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import { registerMediaRoutes } from './media-routes.ts';
import { requesterOf } from './requester.ts';

export function registerRecordingRoutes(
  routes: ApiRouteServer,
  recordings: RecordingStore,
  vault: MediaVault,
  audit: AuditLog,
  lifecycle: RecordingLifecycle,
): void {
  routes.serve(apiRoutes.listRecordings, ({ user, query }) => recordings.list(query, user));

  /** The recording as the user sees it now; gone (deleted meanwhile) or hidden is not found. */
  const recordingFor = async (id: string, user: User) => {
    const recording = await recordings.get(id, user);
    if (!recording) throw new Refusal('not_found', `no recording ${id}`);
    return recording;
  };

  routes.serve(apiRoutes.getRecording, ({ user, params: { id } }) => recordingFor(id, user));

  registerMediaRoutes(routes, recordings, vault, audit);

  routes.serve(apiRoutes.setLabels, async ({ request, user, params: { id }, body: { labels } }) => {
    if (!(await recordings.setLabels(id, labels, user))) throw new Refusal('not_found', `no recording ${id}`);
    await audit.append({ ...requesterOf(user, request), action: 'labels', target: id, details: { labels } });
    return recordingFor(id, user);
  });

  routes.serve(apiRoutes.setLegalHold, async ({ request, user, params: { id }, body: { hold, reason } }) => {
    if (!(await lifecycle.setLegalHold(id, hold, reason, requesterOf(user, request)))) {
      throw new Refusal('not_found', `no recording ${id}`);
    }
    return recordingFor(id, user);
  });

  routes.serve(apiRoutes.deleteRecording, async ({ request, user, params: { id } }) => {
    try {
      if (!(await lifecycle.delete(id, requesterOf(user, request)))) {
        throw new Refusal('not_found', `no recording ${id}`);
      }
    } catch (error) {
      if (error instanceof LegalHoldError) throw new Refusal('conflict', error.message);
      throw error;
    }
  });
}
