import type { FastifyInstance } from 'fastify';
import type { StorageOutbox } from '../storage/storage-outbox.ts';
import type { Authenticator } from './authentication.ts';

/** What an operator needs to see: files waiting for storage. */
export function registerAdminRoutes(app: FastifyInstance, auth: Authenticator, outbox: StorageOutbox): void {
  app.get('/api/v2/admin/storage', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return outbox.status();
  });
}
