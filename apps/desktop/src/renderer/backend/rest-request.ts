import { ApiCallError, ApiClient, apiErrorSchema, type LoginResponse } from '@vox/shared';

/** The backend's refusal: the HTTP status, the error's code and message (see packages/shared). */
export { ApiCallError as BackendError };

/** The error a failed answer that is not JSON-routed (media bytes) carries. */
export async function backendErrorOf(response: Response): Promise<ApiCallError> {
  const payload: unknown = await response.json().catch(() => undefined);
  const error = apiErrorSchema.safeParse(payload);
  return error.success
    ? new ApiCallError(response.status, error.data.error.code, error.data.error.message, payload)
    : new ApiCallError(response.status, 'http_error', `the backend answered ${response.status}`, payload);
}

/**
 * A logged-in conversation with the backend through the one API client of packages/shared: the
 * clients of the agent and supervisor views add their own calls to it.
 */
export class ApiSession {
  protected token: string | undefined;
  protected readonly api: ApiClient;

  constructor(readonly baseUrl: string) {
    this.api = new ApiClient({ baseUrl, token: () => this.token, fetch: (url, init) => fetch(url, init) });
  }

  get bearer(): string | undefined {
    return this.token;
  }

  async login(username: string, password: string): Promise<LoginResponse> {
    const session = await this.api.call('login', { body: { username, password } });
    this.token = session.token;
    return session;
  }
}
