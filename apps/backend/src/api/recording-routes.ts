import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordingQuerySchema } from '@vox/shared';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { MediaStorage } from '../storage/media-storage.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import { parseRange } from './http-range.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });
const mediaParams = idParams.extend({ mediaId: z.string().min(1).max(256) });

export function registerRecordingRoutes(
  app: FastifyInstance,
  auth: Authenticator,
  recordings: RecordingStore,
  storage: MediaStorage,
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
    const media = await recordings.findMedia(id, mediaId, user);
    if (!media) throw new HttpError(404, 'not_found', `no media ${mediaId} in recording ${id}`);
    const size = await storage.size(media.storagePath);
    const range = parseRange(request.headers.range, size);
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
      return reply.send(await storage.read(media.storagePath));
    }
    reply
      .status(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', range.end - range.start + 1);
    return reply.send(await storage.read(media.storagePath, range));
  });
}
