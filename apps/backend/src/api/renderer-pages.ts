import fs from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './api-errors.ts';

// The pages load only this origin's scripts; media may come as blob: (recorded chunks).
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  // The backend itself, over HTTP and socket.io's WebSocket, and nothing else.
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves the built renderer: the agent view at /agent, the supervisor view at /supervisor. */
export async function registerRendererPages(app: FastifyInstance, rendererDir: string): Promise<void> {
  const built = await fs
    .access(path.join(rendererDir, 'agent.html'))
    .then(() => true)
    .catch(() => false);
  if (built) {
    await app.register(fastifyStatic, { root: path.join(rendererDir, 'assets'), prefix: '/assets/', index: false });
  }
  for (const page of ['agent', 'supervisor'] as const) {
    app.get(`/${page}`, async (_request, reply) => {
      if (!built) {
        return reply
          .status(503)
          .send(errorBody('not_built', `the ${page} page is not built: run 'npm run build:renderer' and restart`));
      }
      const html = await fs.readFile(path.join(rendererDir, `${page}.html`), 'utf8');
      return reply.header('Content-Security-Policy', contentSecurityPolicy).type('text/html').send(html);
    });
  }
  app.get('/', (_request, reply) => reply.redirect('/agent'));
}
