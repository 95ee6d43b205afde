import { z } from 'zod';
import {
  agentStateEventSchema,
  callSnapshotSchema,
  loginResponseSchema,
  tenantPublicKeySchema,
  type AgentStateEvent,
  type AgentStateRequest,
  type CallAction,
  type CallSnapshot,
  type LoginResponse,
  type ScreenRecordingIncident,
  type TenantPublicKey,
} from '@vox/shared';
import { BackendError, restRequest } from './rest-request.ts';

/** The REST API as the agent desktop uses it, every answer checked against the shared schema. */
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

  /** The key the screen recording is encrypted with; undefined when the backend stores media unencrypted. */
  async screenRecordingKey(): Promise<TenantPublicKey | undefined> {
    try {
      return await this.request('GET', '/api/v2/screen-recordings/key', tenantPublicKeySchema);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return undefined;
      throw error;
    }
  }

  private request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    return restRequest(`${this.baseUrl}${path}`, this.token, method, schema, body);
  }
}
