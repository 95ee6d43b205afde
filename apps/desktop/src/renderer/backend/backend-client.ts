import { z } from 'zod';
import {
  agentStateEventSchema,
  apiErrorSchema,
  callSnapshotSchema,
  createCallResponseSchema,
  loginResponseSchema,
  recordingListSchema,
  recordingSchema,
  tenantPublicKeySchema,
  type AgentStateEvent,
  type AgentStateRequest,
  type CallAction,
  type CallSnapshot,
  type LoginResponse,
  type Recording,
  type RecordingList,
  type ScreenRecordingIncident,
  type TenantPublicKey,
} from '@vox/shared';

export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The REST API, every answer checked against the shared schema before the views see it. */
export class BackendClient {
  constructor(
    readonly baseUrl: string,
    private token?: string,
  ) {}

  get bearer(): string | undefined {
    return this.token;
  }

  async login(username: string, password: string): Promise<LoginResponse> {
    const session = await this.request('POST', '/api/v2/auth/login', loginResponseSchema, { username, password });
    this.token = session.token;
    return session;
  }

  callsOf(dn: string): Promise<CallSnapshot[]> {
    return this.request(
      'GET',
      `/api/v2/sim/calls?dn=${encodeURIComponent(dn)}`,
      z.object({ calls: z.array(callSnapshotSchema) }),
    ).then((r) => r.calls);
  }

  callAction(connId: string, action: CallAction, dn: string, toDn?: string): Promise<unknown> {
    return this.request('POST', `/api/v2/sim/calls/${connId}/${action}`, z.unknown(), {
      dn,
      ...(toDn ? { toDn } : {}),
    });
  }

  agentState(): Promise<AgentStateEvent> {
    return this.request('GET', '/api/v2/agents/me/state', agentStateEventSchema);
  }

  setAgentState(body: AgentStateRequest): Promise<AgentStateEvent> {
    return this.request('PUT', '/api/v2/agents/me/state', agentStateEventSchema, body);
  }

  async reportScreenIncident(incident: ScreenRecordingIncident): Promise<void> {
    await this.request('POST', '/api/v2/screen-recordings/incidents', z.unknown(), incident);
  }

  routeCall(body: { ani: string; dnis: string; targetDn: string; record?: 'source' }) {
    return this.request('POST', '/api/v2/sim/calls', createCallResponseSchema, body);
  }

  recordings(query: Record<string, string> = {}): Promise<RecordingList> {
    const search = new URLSearchParams(query).toString();
    return this.request('GET', `/api/v2/recordings${search ? `?${search}` : ''}`, recordingListSchema);
  }

  recording(id: string): Promise<Recording> {
    return this.request('GET', `/api/v2/recordings/${encodeURIComponent(id)}`, recordingSchema);
  }

  /** The key the screen recording is encrypted with; undefined when the backend stores media unencrypted. */
  async screenRecordingKey(): Promise<TenantPublicKey | undefined> {
    try {
      return await this.request('GET', '/api/v2/screen-recordings/key', tenantPublicKeySchema);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** A URL a `<video>` or `<img>` can load: media elements cannot send an Authorization header. */
  mediaUrl(recordingId: string, mediaId: string): string {
    return `${this.baseUrl}/api/v2/recordings/${encodeURIComponent(recordingId)}/media/${encodeURIComponent(mediaId)}?access_token=${encodeURIComponent(this.token ?? '')}`;
  }

  private async request<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    body?: unknown,
  ): Promise<z.infer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = apiErrorSchema.safeParse(payload);
      throw error.success
        ? new BackendError(response.status, error.data.error.code, error.data.error.message)
        : new BackendError(response.status, 'http_error', `the backend answered ${response.status}`);
    }
    return schema.parse(payload);
  }
}
