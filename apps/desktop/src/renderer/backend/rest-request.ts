import type { z } from 'zod';
import { apiErrorSchema } from '@vox/shared';

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
