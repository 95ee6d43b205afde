import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditQuerySchema, retentionRulesSchema } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import type { TenantKeystore } from '../recording/crypto/tenant-keystore.ts';
import type { RecordingLifecycle } from '../recording/recordings/recording-lifecycle.ts';
import type { StorageOutbox } from '../recording/storage/storage-outbox.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import { requesterOf } from './requester.ts';

/**
 * What an operator and a compliance officer need: files waiting for storage, the audit log,
 * retention rules and the purge.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  auth: Authenticator,
  parts: {
    outbox: StorageOutbox;
    audit: AuditLog;
    lifecycle: RecordingLifecycle;
    keystore: TenantKeystore | undefined;
  },
): void {
  app.get('/api/v2/admin/storage', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return parts.outbox.status();
  });

  app.get('/api/v2/admin/audit', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    const { limit, before, ...filter } = parseWith(auditQuerySchema, request.query, 'query');
    const records = await parts.audit.list(limit, before, filter);
    const last = records.at(-1);
    return { records, ...(records.length === limit && last ? { nextCursor: String(last.seq) } : {}) };
  });

  app.get('/api/v2/admin/audit/verify', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return parts.audit.verify();
  });

  app.get('/api/v2/admin/retention', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return { rules: await parts.lifecycle.rules() };
  });

  app.put('/api/v2/admin/retention', async (request) => {
    const user = await auth.require(request, { roles: ['admin'] });
    const { rules } = parseWith(retentionRulesSchema, request.body, 'body');
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

  app.post('/api/v2/admin/purge', async (request) => {
    const user = await auth.require(request, { roles: ['admin'] });
    const { dryRun } = parseWith(z.object({ dryRun: z.enum(['0', '1']).default('0') }), request.query, 'query');
    return parts.lifecycle.purge(dryRun === '1', requesterOf(user, request));
  });

  // Any logged-in user: the desktop encrypts the agent's screen recording with it before upload.
  app.get('/api/v2/screen-recordings/key', async (request) => {
    await auth.require(request);
    if (!parts.keystore) throw new HttpError(404, 'not_found', 'encryption at rest is off (VOX_ENCRYPTION=0)');
    return { keyId: parts.keystore.currentKeyId, publicKey: parts.keystore.currentPublicKey };
  });

  const keyList = () => ({ encryption: parts.keystore !== undefined, keys: parts.keystore?.keys() ?? [] });

  app.get('/api/v2/admin/keys', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return keyList();
  });

  app.post('/api/v2/admin/keys/rotate', async (request) => {
    const user = await auth.require(request, { roles: ['admin'] });
    if (!parts.keystore) throw new HttpError(409, 'conflict', 'encryption at rest is off (VOX_ENCRYPTION=0)');
    const keyId = await parts.keystore.rotate();
    await parts.audit.append({ ...requesterOf(user, request), action: 'key-rotate', target: keyId, details: {} });
    return keyList();
  });
}
