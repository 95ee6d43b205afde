import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { legalHoldRequestSchema, recordingQuerySchema, setLabelsRequestSchema } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { LegalHoldError, type RecordingLifecycle } from '../recording/recordings/recording-lifecycle.ts';
import type { RecordingStore } from '../recording/recordings/recording-store.ts';
import type { MediaVault } from '../recording/crypto/media-vault.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import { registerMediaRoutes } from './media-routes.ts';
import { requesterOf } from './requester.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });

export function registerRecordingRoutes(
  app: FastifyInstance,
  auth: Authenticator,
  recordings: RecordingStore,
  vault: MediaVault,
  audit: AuditLog,
  lifecycle: RecordingLifecycle,
): void {
  app.get('/api/v2/recordings', async (request) => {
    const user = await auth.require(request);
    return recordings.list(parseWith(recordingQuerySchema, request.query, 'query'), user);
  });

  app.get('/api/v2/recordings/:id', async (request) => {
    const user = await auth.require(request);
    const { id } = parseWith(idParams, request.params, 'path');
    const recording = await recordings.get(id, user);
    if (!recording) throw new HttpError(404, 'not_found', `no recording ${id}`);
    return recording;
  });

  registerMediaRoutes(app, auth, recordings, vault, audit);

  app.put('/api/v2/recordings/:id/labels', async (request) => {
    const user = await auth.require(request, { roles: ['admin', 'supervisor'] });
    const { id } = parseWith(idParams, request.params, 'path');
    const { labels } = parseWith(setLabelsRequestSchema, request.body, 'body');
    if (!(await recordings.setLabels(id, labels, user))) throw new HttpError(404, 'not_found', `no recording ${id}`);
    await audit.append({ ...requesterOf(user, request), action: 'labels', target: id, details: { labels } });
    return recordings.get(id, user);
  });

  app.put('/api/v2/recordings/:id/legal-hold', async (request) => {
    const user = await auth.require(request, { roles: ['admin'] });
    const { id } = parseWith(idParams, request.params, 'path');
    const { hold, reason } = parseWith(legalHoldRequestSchema, request.body, 'body');
    if (!(await lifecycle.setLegalHold(id, hold, reason, requesterOf(user, request)))) {
      throw new HttpError(404, 'not_found', `no recording ${id}`);
    }
    return recordings.get(id, user);
  });

  app.delete('/api/v2/recordings/:id', async (request, reply) => {
    const user = await auth.require(request, { roles: ['admin'] });
    const { id } = parseWith(idParams, request.params, 'path');
    try {
      if (!(await lifecycle.delete(id, requesterOf(user, request)))) {
        throw new HttpError(404, 'not_found', `no recording ${id}`);
      }
    } catch (error) {
      if (error instanceof LegalHoldError) throw new HttpError(409, 'conflict', error.message);
      throw error;
    }
    return reply.status(204).send();
  });
}
