import { apiRoutes, type User } from '@vox/shared';
import type { AgentStates } from '../telephony/agents/agent-states.ts';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import { requesterOf } from './requester.ts';

function agentDn(user: User): string {
  if (user.role !== 'agent' || !user.dn) {
    throw new Refusal('forbidden', `${user.username} is not an agent with a DN`);
  }
  return user.dn;
}

/** What the agent desktop asks for itself: its Ready state, and telling of a cut screen recording. */
export function registerAgentRoutes(
  routes: ApiRouteServer,
  parts: { agentStates: AgentStates; audit: AuditLog },
): void {
  routes.serve(apiRoutes.getAgentState, ({ user }) => parts.agentStates.of(agentDn(user)));

  routes.serve(apiRoutes.setAgentState, ({ user, body }) => {
    return parts.agentStates.set(agentDn(user), body.state, body.reason);
  });

  // Kept in the audit log, where compliance looks for gaps: a recording's screen ended early.
  routes.serve(apiRoutes.screenIncident, async ({ request, user, body: incident }) => {
    const requester = requesterOf(user, request);
    await parts.audit.append({
      actor: requester.actor,
      action: 'screen-incident',
      target: incident.recordingId ?? incident.connId,
      source: requester.source,
      details: { connId: incident.connId, dn: agentDn(user), reason: incident.reason, message: incident.message },
    });
  });
}
