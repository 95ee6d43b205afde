import type { z } from 'zod';
import { apiRoutes, type ApiRoute, type ApiRouteName, type ApiRoutes } from './api-routes.ts';
import { apiErrorSchema } from './errors.ts';
import { eventErrorSchema } from './t-library.ts';

type Input<S> = S extends z.ZodType ? z.input<S> : never;

/** What a call of route `R` takes: its path parameters, query and body, as the table types them. */
export type ApiCallInput<R extends ApiRoute> = (R['params'] extends z.ZodType
  ? { params: Input<R['params']> }
  : object) &
  (R['query'] extends z.ZodType ? { query?: Input<R['query']> } : object) &
  (R['body'] extends z.ZodType ? { body: Input<R['body']> } : object);

/** What a call of route `R` answers, parsed by its response schema (nothing for a 204). */
export type ApiCallOutput<R extends ApiRoute> = R['response'] extends z.ZodType ? z.output<R['response']> : void;

/** A refused call: the HTTP status with the backend's error code and message (EventError's for T-Library). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the answer's body as it came */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The part of `fetch` the client uses: packages/shared names no runtime's own types. */
export type ApiFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface ApiClientOptions {
  /** the backend's origin, e.g. `http://127.0.0.1:8080` (empty for the page's own origin) */
  baseUrl: string;
  /** the bearer token to send, if any, asked at each call (a login changes it) */
  token?: () => string | undefined;
  /** the runtime's `fetch` (browsers, Node and Electron all have one) */
  fetch: ApiFetch;
}

/** The path of route `route` with its parameters filled in (each one URL-encoded). */
export function apiPath(
  route: ApiRoute,
  params: Record<string, unknown> = {},
  query?: Record<string, unknown>,
): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route.method.toUpperCase()} ${route.path} needs ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = Object.entries(query ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return search ? `${path}?${search}` : path;
}

/**
 * The REST API's one client, derived from the route table: `call('getRecording', { params: { id } })`
 * sends what the route takes and answers what it returns, checked against its response schema. The
 * renderer, the CLI and the tests all call the backend through it.
 */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  async call<N extends ApiRouteName>(
    name: N,
    ...[input]: object extends ApiCallInput<ApiRoutes[N]>
      ? [input?: ApiCallInput<ApiRoutes[N]>]
      : [input: ApiCallInput<ApiRoutes[N]>]
  ): Promise<ApiCallOutput<ApiRoutes[N]>> {
    const route: ApiRoute = apiRoutes[name];
    const { params, query, body } = (input ?? {}) as { params?: object; query?: object; body?: unknown };
    const token = this.options.token?.();
    const response = await this.options.fetch(
      `${this.options.baseUrl}${apiPath(route, params as Record<string, unknown>, query as Record<string, unknown>)}`,
      {
        method: route.method.toUpperCase(),
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
    );
    if (!response.ok) throw await callErrorOf(response, route);
    if (!route.response) return undefined as ApiCallOutput<ApiRoutes[N]>;
    return route.response.parse(await response.json()) as ApiCallOutput<ApiRoutes[N]>;
  }
}

async function callErrorOf(response: Awaited<ReturnType<ApiFetch>>, route: ApiRoute): Promise<ApiCallError> {
  const payload: unknown = await response.json().catch(() => undefined);
  const error = apiErrorSchema.safeParse(payload);
  if (error.success) return new ApiCallError(response.status, error.data.error.code, error.data.error.message, payload);
  const eventError = route.tLibrary ? eventErrorSchema.safeParse(payload) : undefined;
  if (eventError?.success) {
    return new ApiCallError(response.status, String(eventError.data.errorCode), eventError.data.errorMessage, payload);
  }
  return new ApiCallError(response.status, 'http_error', `the backend answered ${response.status}`, payload);
}
