import type { FastifyInstance } from 'fastify';

/** For anything that is not a page: nothing may run or be framed from it. */
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every answer carries: the type is what it says (no sniffing a JSON error into HTML),
 * no URL travels in a Referer, nothing is framed, and answers that are not pages may load
 * nothing. The pages set their own policy (renderer-pages.ts).
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    if (!reply.hasHeader('Content-Security-Policy')) reply.header('Content-Security-Policy', apiContentSecurityPolicy);
    return payload;
  });
}
