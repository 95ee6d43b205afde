import {
  callActionRouteName,
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
    return this.api.call('listCalls', { query: { dn } }).then((r) => r.calls);
  }

  callAction(connId: string, action: CallAction, dn: string, toDn?: string): Promise<CallSnapshot> {
    return this.api.call(callActionRouteName(action), { params: { connId }, body: { dn, ...(toDn ? { toDn } : {}) } });
  }

  agentState(): Promise<AgentStateEvent> {
    return this.api.call('getAgentState');
  }

  setAgentState(body: AgentStateRequest): Promise<AgentStateEvent> {
    return this.api.call('setAgentState', { body });
  }

  async reportScreenIncident(incident: ScreenRecordingIncident): Promise<void> {
    await this.api.call('screenIncident', { body: incident });
  }

  /** The key the screen recording is encrypted with; undefined when the backend stores media unencrypted. */
  async screenRecordingKey(): Promise<TenantPublicKey | undefined> {
    try {
      return await this.api.call('screenKey');
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return undefined;
      throw error;
    }
  }
}
