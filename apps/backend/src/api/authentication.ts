import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Role, User } from '@vox/shared';
import { hashToken, sessionForToken, type Session } from '../platform/auth/session-tokens.ts';
import { Refusal } from '../platform/refusal.ts';

export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}

/** The hash the bearer token's session is kept under, for a query that checks the session itself. */
export function bearerTokenHash(authorization: string | null | undefined): string | undefined {
  const token = bearerToken(authorization);
  return token ? hashToken(token) : undefined;
}

/** The answer to a request without a live session's bearer token. */
export function bearerTokenRequired(): Refusal {
  return new Refusal('unauthorized', 'a valid bearer token is required; log in at POST /api/v2/auth/login');
}

export class Authenticator {
  constructor(private readonly pool: pg.Pool) {}

  async fromHeader(authorization: string | null | undefined): Promise<User | undefined> {
    return (await this.sessionFromHeader(authorization))?.user;
  }

  async sessionFromHeader(authorization: string | null | undefined): Promise<Session | undefined> {
    const token = bearerToken(authorization);
    return token ? sessionForToken(this.pool, token) : undefined;
  }

  /**
   * The request's user, from `Authorization: Bearer` only: a token in a URL would end up in logs,
   * histories and proxies (media elements use a media ticket instead).
   */
  async require(request: FastifyRequest, options: { roles?: readonly Role[] } = {}): Promise<User> {
    return (await this.requireSession(request, options)).user;
  }

  /** The request's session, from `Authorization: Bearer` only (see `require`), of a user in one of `roles`. */
  async requireSession(request: FastifyRequest, options: { roles?: readonly Role[] } = {}): Promise<Session> {
    const session = await this.sessionFromHeader(request.headers.authorization);
    if (!session) throw bearerTokenRequired();
    if (options.roles && !options.roles.includes(session.user.role)) {
      throw new Refusal('forbidden', `this needs the role ${options.roles.join(' or ')}`);
    }
    return session;
  }
}
