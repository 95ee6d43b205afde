import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { loginRequestSchema } from '@vox/shared';
import { login } from '../auth/login.ts';
import { HttpError, parseWith } from './api-errors.ts';

export function registerAuthRoutes(app: FastifyInstance, pool: pg.Pool, tokenTtlMs: number): void {
  app.post('/api/v2/auth/login', async (request) => {
    const credentials = parseWith(loginRequestSchema, request.body, 'body');
    const session = await login(pool, credentials, tokenTtlMs);
    // One message for every wrong credential: a caller must not learn which usernames exist.
    if (!session) throw new HttpError(401, 'unauthorized', 'wrong username or password');
    return session;
  });
}
