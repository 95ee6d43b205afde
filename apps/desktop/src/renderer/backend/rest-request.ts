import type { z } from 'zod';
import { apiErrorSchema, loginResponseSchema, type LoginResponse } from '@vox/shared';

/** The backend's `{error: {code, message}}` answer, with its HTTP status. */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error a failed answer carries, or a plain one naming its status when it carries none. */
export async function backendErrorOf(response: Response): Promise<BackendError> {
  const payload: unknown = await response.json().catch(() => undefined);
  const error = apiErrorSchema.safeParse(payload);
  return error.success
    ? new BackendError(response.status, error.data.error.code, error.data.error.message)
    : new BackendError(response.status, 'http_error', `the backend answered ${response.status}`);
}

/** One REST call: JSON in, the answer checked against `schema` before anyone sees it. */
export async function restRequest<T extends z.ZodType>(
  url: string,
  token: string | undefined,
  method: string,
  schema: T,
  body?: unknown,
): Promise<z.infer<T>> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw await backendErrorOf(response);
  // A 204 has no body; the schema says whether that is an acceptable answer.
  const payload: unknown = response.status === 204 ? undefined : await response.json();
  return schema.parse(payload);
}

/**
 * A logged-in conversation with the backend: the clients of the agent and supervisor views add
 * their own calls to it.
 */
export class ApiSession {
  protected token: string | undefined;

  constructor(readonly baseUrl: string) {}

  get bearer(): string | undefined {
    return this.token;
  }

  async login(username: string, password: string): Promise<LoginResponse> {
    const session = await this.request('POST', '/api/v2/auth/login', loginResponseSchema, { username, password });
    this.token = session.token;
    return session;
  }

  protected request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    return restRequest(`${this.baseUrl}${path}`, this.token, method, schema, body);
  }
}
