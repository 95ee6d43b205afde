import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Role, User } from '@vox/shared';
import { userForToken } from '../auth/session-tokens.ts';
import { HttpError } from './api-errors.ts';

export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}

export class Authenticator {
  constructor(private readonly pool: pg.Pool) {}

  async fromHeader(authorization: string | null | undefined): Promise<User | undefined> {
    const token = bearerToken(authorization);
    return token ? userForToken(this.pool, token) : undefined;
  }

  /**
   * The request's user, from `Authorization: Bearer`, or for media only from `access_token`
   * (RFC 6750 section 2.3), because a `<video src>` cannot send headers.
   */
  async require(request: FastifyRequest, options: { roles?: Role[]; allowQueryToken?: boolean } = {}): Promise<User> {
    const queryToken = options.allowQueryToken ? (request.query as Record<string, unknown>).access_token : undefined;
    const user =
      typeof queryToken === 'string'
        ? await userForToken(this.pool, queryToken)
        : await this.fromHeader(request.headers.authorization);
    if (!user)
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required; log in at POST /api/v2/auth/login');
    if (options.roles && !options.roles.includes(user.role)) {
      throw new HttpError(403, 'forbidden', `this needs the role ${options.roles.join(' or ')}`);
    }
    return user;
  }
}
