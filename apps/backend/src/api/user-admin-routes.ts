import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createUserRequestSchema, updateUserRequestSchema, userRightsRequestSchema } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { UserConflictError, type UserDirectory } from '../platform/auth/user-directory.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import { requesterOf } from './requester.ts';

const usernameParams = z.object({ username: z.string().min(1).max(64) });

async function conflictsAre409<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserConflictError) throw new HttpError(409, 'conflict', error.message);
    throw error;
  }
}

/** Users and groups, as an admin manages them; each change is audited (never the password itself). */
export function registerUserAdminRoutes(
  app: FastifyInstance,
  auth: Authenticator,
  users: UserDirectory,
  audit: AuditLog,
): void {
  app.get('/api/v2/admin/users', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return { users: await users.list() };
  });

  app.post('/api/v2/admin/users', async (request, reply) => {
    const admin = await auth.require(request, { roles: ['admin'] });
    const body = parseWith(createUserRequestSchema, request.body, 'body');
    const created = await conflictsAre409(() => users.create(body));
    const { password: _password, ...details } = body;
    await audit.append({ ...requesterOf(admin, request), action: 'user-create', target: created.id, details });
    return reply.status(201).send(created);
  });

  app.patch('/api/v2/admin/users/:username', async (request) => {
    const admin = await auth.require(request, { roles: ['admin'] });
    const { username } = parseWith(usernameParams, request.params, 'path');
    const body = parseWith(updateUserRequestSchema, request.body, 'body');
    if (username === admin.username && body.role !== undefined && body.role !== 'admin') {
      throw new HttpError(409, 'conflict', 'an admin cannot take the admin role from itself: ask another admin');
    }
    const updated = await conflictsAre409(() => users.update(username, body));
    if (!updated) throw new HttpError(404, 'not_found', `no user ${username}`);
    const { password, ...changes } = body;
    await audit.append({
      ...requesterOf(admin, request),
      action: 'user-update',
      target: updated.id,
      details: { ...changes, ...(password !== undefined ? { passwordChanged: true } : {}) },
    });
    return updated;
  });

  // The older, narrower form of the PATCH above: an agent's right to its own recordings.
  app.put('/api/v2/admin/users/:username/rights', async (request) => {
    const admin = await auth.require(request, { roles: ['admin'] });
    const { username } = parseWith(usernameParams, request.params, 'path');
    const { ownRecordings } = parseWith(userRightsRequestSchema, request.body, 'body');
    const updated = await users.update(username, { ownRecordings }, 'agent');
    if (!updated) throw new HttpError(404, 'not_found', `no agent ${username}`);
    await audit.append({
      ...requesterOf(admin, request),
      action: 'user-update',
      target: updated.id,
      details: { ownRecordings },
    });
    return updated;
  });

  app.get('/api/v2/admin/groups', async (request) => {
    await auth.require(request, { roles: ['admin'] });
    return users.groups();
  });
}
