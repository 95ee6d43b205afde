import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiRoute, User } from '@vox/shared';
import { parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import type { Session } from '../platform/auth/session-tokens.ts';

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** What a route's handler gets: its input parsed by the route's schemas, and the caller. */
export interface RouteInput<R extends ApiRoute> {
  request: FastifyRequest;
  reply: FastifyReply;
  /** the caller, checked against `access`; undefined for `public` and `handler` routes */
  user: R['access'] extends 'public' | 'handler' ? undefined : User;
  /** the hash of the caller's bearer token (its session), with `user` */
  tokenHash: R['access'] extends 'public' | 'handler' ? undefined : string;
  params: Parsed<R['params']>;
  query: Parsed<R['query']>;
  body: Parsed<R['body']>;
}

/** The success body of a route (a handler may also answer through `reply` itself). */
type RouteResult<R extends ApiRoute> = R['response'] extends z.ZodType ? z.input<R['response']> : void;

/** Serves the API's routes from the table in packages/shared, recording which ones it serves. */
export class ApiRouteServer {
  readonly served = new Set<string>();

  constructor(
    /** for what is not a REST route of the table (pages, other protocols) */
    readonly app: FastifyInstance,
    private readonly auth: Authenticator,
  ) {}

  /**
   * Serves `route`: the caller is checked against its access first, then params, query and body
   * are parsed by its schemas (a 400 naming what is wrong), then `handler` runs; what it returns
   * is sent with the route's status.
   */
  serve<R extends ApiRoute>(
    route: R,
    handler: (input: RouteInput<R>) => Promise<RouteResult<R> | FastifyReply> | RouteResult<R> | FastifyReply,
  ): void {
    this.served.add(`${route.method.toUpperCase()} ${route.path}`);
    const url = route.path.replace(/\{(\w+)\}/g, ':$1');
    this.app.route({
      method: route.method.toUpperCase() as Uppercase<ApiRoute['method']>,
      url,
      handler: async (request, reply) => {
        const session = await this.session(route, request);
        const input = {
          request,
          reply,
          user: session?.user,
          tokenHash: session?.tokenHash,
          params: route.params ? parseWith(route.params, request.params, 'path') : undefined,
          query: route.query ? parseWith(route.query, request.query, 'query') : undefined,
          body: route.body ? parseWith(route.body, request.body, 'body') : undefined,
        } as RouteInput<R>;
        const result = await handler(input);
        if (reply.sent || result === reply) return reply;
        if (route.status === 204) return reply.status(204).send();
        return reply.status(route.status ?? 200).send(result);
      },
    });
  }

  private async session(route: ApiRoute, request: FastifyRequest): Promise<Session | undefined> {
    if (route.access === 'public' || route.access === 'handler') return undefined;
    return this.auth.requireSession(request, route.access === 'session' ? {} : { roles: route.access });
  }
}
