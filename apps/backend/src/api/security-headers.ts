import type { FastifyInstance } from 'fastify';

/** For anything that is not a page: nothing may run or be framed from it. */
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every answer carries: the type is what it says (no sniffing a JSON error into HTML),
 * no URL travels in a Referer, nothing is framed, and answers that are not pages may load
 * nothing. The pages set their own policy (renderer-pages.ts).
 */
export const apiSecurityHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': apiContentSecurityPolicy,
};

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(apiSecurityHeaders)) {
      // The pages set their own policy; every other header is the same on every answer.
      if (name !== 'Content-Security-Policy' || !reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });
}
