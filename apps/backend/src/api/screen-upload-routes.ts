import type { Server as TusServer } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { screenUploadPath } from '@vox/shared';

/** Hands the tus protocol's requests to the tus server untouched. */
export function registerScreenUploadRoutes(app: FastifyInstance, tus: TusServer): void {
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
  };
  app.all(screenUploadPath, handler);
  app.all(`${screenUploadPath}/*`, handler);
}
