import { z } from 'zod';
import {
  agentStateEventSchema,
  callSnapshotSchema,
  tenantPublicKeySchema,
  type AgentStateEvent,
  type AgentStateRequest,
  type CallAction,
  type CallSnapshot,
  type ScreenRecordingIncident,
  type TenantPublicKey,
} from '@vox/shared';
import { ApiSession, BackendError } from './rest-request.ts';

/** The REST API as the agent desktop uses it, every answer checked against the shared schema. */
export class BackendClient extends ApiSession {
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
}
