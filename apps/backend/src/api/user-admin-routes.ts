import { apiRoutes } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { UserConflictError, type UserDirectory } from '../platform/auth/user-directory.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import { requesterOf } from './requester.ts';

async function conflictsAre409<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserConflictError) throw new Refusal('conflict', error.message);
    throw error;
  }
}

/** Users and groups, as an admin manages them; each change is audited (never the password itself). */
export function registerUserAdminRoutes(routes: ApiRouteServer, users: UserDirectory, audit: AuditLog): void {
  routes.serve(apiRoutes.listUsers, async () => ({ users: await users.list() }));

  routes.serve(apiRoutes.createUser, async ({ request, user: admin, body }) => {
    const created = await conflictsAre409(() => users.create(body));
    const { password: _password, ...details } = body;
    await audit.append({ ...requesterOf(admin, request), action: 'user-create', target: created.id, details });
    return created;
  });

  routes.serve(apiRoutes.updateUser, async ({ request, user: admin, params: { username }, body }) => {
    if (username === admin.username && body.role !== undefined && body.role !== 'admin') {
      throw new Refusal('conflict', 'an admin cannot take the admin role from itself: ask another admin');
    }
    const updated = await conflictsAre409(() => users.update(username, body));
    if (!updated) throw new Refusal('not_found', `no user ${username}`);
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
  routes.serve(
    apiRoutes.setUserRights,
    async ({ request, user: admin, params: { username }, body: { ownRecordings } }) => {
      const updated = await users.update(username, { ownRecordings }, 'agent');
      if (!updated) throw new Refusal('not_found', `no agent ${username}`);
      await audit.append({
        ...requesterOf(admin, request),
        action: 'user-update',
        target: updated.id,
        details: { ownRecordings },
      });
      return updated;
    },
  );

  routes.serve(apiRoutes.listGroups, () => users.groups());
}
