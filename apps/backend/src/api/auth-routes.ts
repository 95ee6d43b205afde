import type pg from 'pg';
import { apiRoutes } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { login } from '../platform/auth/login.ts';
import { LoginThrottle } from '../platform/auth/login-throttle.ts';
import { endSession } from '../platform/auth/session-tokens.ts';
import type { EventBus } from '../platform/events/event-bus.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import type { Authenticator } from './authentication.ts';
import { requesterOf } from './requester.ts';

export function registerAuthRoutes(
  routes: ApiRouteServer,
  pool: pg.Pool,
  tokenTtlMs: number,
  audit: AuditLog,
  throttle = new LoginThrottle(),
): void {
  routes.serve(apiRoutes.login, async ({ request, reply, body: credentials }) => {
    const source = `${request.ip} ${request.headers['user-agent'] ?? ''}`.trim();
    const waitMs = throttle.waitFor(credentials.username, request.ip);
    if (waitMs !== undefined) {
      const seconds = Math.ceil(waitMs / 1000);
      reply.header('Retry-After', String(seconds));
      throw new Refusal('too_many_attempts', `too many failed logins: try again in ${seconds} s`);
    }
    const session = await login(pool, credentials, tokenTtlMs);
    if (!session) {
      throttle.failed(credentials.username, request.ip);
      await audit.append({
        actor: 'anonymous',
        action: 'login-failed',
        target: credentials.username,
        source,
        details: { username: credentials.username },
      });
      // One message for every wrong credential: a caller must not learn which usernames exist.
      throw new Refusal('unauthorized', 'wrong username or password');
    }
    throttle.succeeded(credentials.username);
    await audit.append({ actor: session.user.id, action: 'login', target: session.user.id, source, details: {} });
    return session;
  });
}

/** Ends the bearer token's session: the token is refused from then on, and the sockets it opened close. */
export function registerLogoutRoute(
  routes: ApiRouteServer,
  pool: pg.Pool,
  auth: Authenticator,
  bus: EventBus,
  audit: AuditLog,
): void {
  routes.serve(apiRoutes.logout, async ({ request }) => {
    const session = await auth.sessionFromHeader(request.headers.authorization);
    if (!session) throw new Refusal('unauthorized', 'a valid bearer token is required');
    await endSession(pool, session.tokenHash);
    bus.emit('sessionsEnded', { tokenHash: session.tokenHash });
    await audit.append({
      ...requesterOf(session.user, request),
      action: 'logout',
      target: session.user.id,
      details: {},
    });
  });
}
