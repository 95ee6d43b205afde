import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { legalHoldRequestSchema, mayDownload, recordingQuerySchema, setLabelsRequestSchema } from '@vox/shared';
import type { AuditLog } from '../audit/audit-log.ts';
import { LegalHoldError, type RecordingLifecycle } from '../recordings/recording-lifecycle.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { MediaVault } from '../crypto/media-vault.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import { parseRange } from './http-range.ts';
import { requesterOf } from './requester.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });
const mediaParams = idParams.extend({ mediaId: z.string().min(1).max(256) });
const mediaQuery = z.object({ download: z.enum(['0', '1']).default('0') });

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
    const { access_token: _ignored, ...query } = request.query as Record<string, unknown>;
    return recordings.list(parseWith(recordingQuerySchema, query, 'query'), user);
  });

  app.get('/api/v2/recordings/:id', async (request) => {
    const user = await auth.require(request);
    const { id } = parseWith(idParams, request.params, 'path');
    const recording = await recordings.get(id, user);
    if (!recording) throw new HttpError(404, 'not_found', `no recording ${id}`);
    return recording;
  });

  app.get('/api/v2/recordings/:id/media/:mediaId', async (request, reply) => {
    const user = await auth.require(request, { allowQueryToken: true });
    const { id, mediaId } = parseWith(mediaParams, request.params, 'path');
    const { access_token: _token, ...query } = request.query as Record<string, unknown>;
    const { download } = parseWith(mediaQuery, query, 'query');
    if (download === '1' && !mayDownload(user)) {
      throw new HttpError(
        403,
        'forbidden',
        'you may play this recording but not download it: ask an admin for the right',
      );
    }
    const media = await recordings.findMedia(id, mediaId, user);
    if (!media) throw new HttpError(404, 'not_found', `no media ${mediaId} in recording ${id}`);
    // Decrypted on the fly: sizes and ranges are the plaintext's.
    const opened = await vault.open(media.storagePath);
    const size = opened.size;
    const range = parseRange(request.headers.range, size);
    // A playback or download starts at byte 0; later ranges of it are seeks, not new playbacks.
    // Audited before a byte is sent: media that cannot be audited is not served.
    if (range !== 'unsatisfiable' && (!range || range.start === 0)) {
      await audit.append({
        actor: user.id,
        // A thumbnail in a results table is a look, not a playback: kept apart so playbacks stay readable.
        action: download === '1' ? 'download' : media.type.startsWith('image/') ? 'preview' : 'playback',
        target: `${id}/${mediaId}`,
        source: requesterOf(user, request).source,
        details: { type: media.type },
      });
    }
    if (download === '1') reply.header('Content-Disposition', `attachment; filename="${mediaId}"`);
    reply
      .header('Accept-Ranges', 'bytes')
      .header('Content-Type', media.type)
      .header('Cache-Control', 'private, no-store');
    if (range === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${size}`);
      throw new HttpError(416, 'range_not_satisfiable', `the range is outside the ${size} bytes of ${mediaId}`);
    }
    if (!range) {
      reply.header('Content-Length', size);
      return reply.send(await opened.read());
    }
    reply
      .status(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', range.end - range.start + 1);
    return reply.send(await opened.read(range));
  });

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
