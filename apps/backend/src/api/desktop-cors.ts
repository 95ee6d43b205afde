import type { FastifyInstance } from 'fastify';

/**
 * The Electron desktop loads its pages from its own `vox-app://desktop` origin and calls this
 * backend across origins; that one origin (configurable) may, no other.
 */
export function allowDesktopOrigin(app: FastifyInstance, origin: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.origin !== origin) return;
    reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      return reply
        .status(204)
        .header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, HEAD, DELETE, OPTIONS')
        .header(
          'Access-Control-Allow-Headers',
          'Authorization, Content-Type, Range, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Defer-Length, Upload-Concat',
        )
        .header(
          'Access-Control-Expose-Headers',
          'Content-Range, Accept-Ranges, Location, Upload-Offset, Upload-Length, Tus-Resumable',
        )
        .header('Access-Control-Max-Age', '600')
        .send();
    }
  });
}
