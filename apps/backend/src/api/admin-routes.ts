import { apiRoutes } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import type { TenantKeystore } from '../recording/crypto/tenant-keystore.ts';
import type { RecordingLifecycle } from '../recording/recordings/recording-lifecycle.ts';
import type { StorageOutbox } from '../recording/storage/storage-outbox.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import { requesterOf } from './requester.ts';

/**
 * What an operator and a compliance officer need: files waiting for storage, the background jobs,
 * the audit log, retention rules and the purge.
 */
export function registerAdminRoutes(
  routes: ApiRouteServer,
  parts: {
    outbox: StorageOutbox;
    jobs: JobQueue;
    audit: AuditLog;
    lifecycle: RecordingLifecycle;
    keystore: TenantKeystore | undefined;
  },
): void {
  routes.serve(apiRoutes.storageStatus, () => parts.outbox.status());

  routes.serve(apiRoutes.jobOverview, () => parts.jobs.overview());

  routes.serve(apiRoutes.retryJob, async ({ request, user, params: { queue, id } }) => {
    if (!(await parts.jobs.retry(queue, id))) throw new Refusal('not_found', `no failed ${queue} job ${id}`);
    await parts.audit.append({
      ...requesterOf(user, request),
      action: 'job-retry',
      target: `${queue}/${id}`,
      details: {},
    });
    return parts.jobs.overview();
  });

  routes.serve(apiRoutes.listAudit, async ({ query: { limit, before, ...filter } }) => {
    const records = await parts.audit.list(limit, before, filter);
    const last = records.at(-1);
    return { records, ...(records.length === limit && last ? { nextCursor: String(last.seq) } : {}) };
  });

  routes.serve(apiRoutes.verifyAudit, () => parts.audit.verify());

  routes.serve(apiRoutes.getRetention, async () => ({ rules: await parts.lifecycle.rules() }));

  routes.serve(apiRoutes.setRetention, async ({ request, user, body: { rules } }) => {
    const previous = await parts.lifecycle.rules();
    await parts.lifecycle.setRules(rules);
    const current = await parts.lifecycle.rules();
    // What decides which recordings get purged: who changed it, and from what to what.
    await parts.audit.append({
      ...requesterOf(user, request),
      action: 'retention-rules',
      target: 'retention',
      details: { previous, rules: current },
    });
    return { rules: current };
  });

  routes.serve(apiRoutes.purge, ({ request, user, query: { dryRun } }) =>
    parts.lifecycle.purge(dryRun === '1', requesterOf(user, request)),
  );

  // Any logged-in user: the desktop encrypts the agent's screen recording with it before upload.
  routes.serve(apiRoutes.screenKey, () => {
    if (!parts.keystore) throw new Refusal('not_found', 'encryption at rest is off (VOX_ENCRYPTION=0)');
    return { keyId: parts.keystore.currentKeyId, publicKey: parts.keystore.currentPublicKey };
  });

  const keyList = () => ({ encryption: parts.keystore !== undefined, keys: parts.keystore?.keys() ?? [] });

  routes.serve(apiRoutes.listKeys, keyList);

  routes.serve(apiRoutes.rotateKey, async ({ request, user }) => {
    if (!parts.keystore) throw new Refusal('conflict', 'encryption at rest is off (VOX_ENCRYPTION=0)');
    const keyId = await parts.keystore.rotate();
    await parts.audit.append({ ...requesterOf(user, request), action: 'key-rotate', target: keyId, details: {} });
    return keyList();
  });
}
