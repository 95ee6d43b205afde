import type { FastifyInstance } from 'fastify';
import { agentStateRequestSchema, screenRecordingIncidentSchema, type User } from '@vox/shared';
import type { AgentStates } from '../telephony/agents/agent-states.ts';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';
import { requesterOf } from './requester.ts';

function agentDn(user: User): string {
  if (user.role !== 'agent' || !user.dn) {
    throw new HttpError(403, 'forbidden', `${user.username} is not an agent with a DN`);
  }
  return user.dn;
}

/** What the agent desktop asks for itself: its Ready state, and telling of a cut screen recording. */
export function registerAgentRoutes(
  app: FastifyInstance,
  auth: Authenticator,
  parts: { agentStates: AgentStates; audit: AuditLog },
): void {
  app.get('/api/v2/agents/me/state', async (request) => {
    const user = await auth.require(request, { roles: ['agent'] });
    return parts.agentStates.of(agentDn(user));
  });

  app.put('/api/v2/agents/me/state', async (request) => {
    const user = await auth.require(request, { roles: ['agent'] });
    const body = parseWith(agentStateRequestSchema, request.body, 'body');
    return parts.agentStates.set(agentDn(user), body.state, body.reason);
  });

  // Kept in the audit log, where compliance looks for gaps: a recording's screen ended early.
  app.post('/api/v2/screen-recordings/incidents', async (request, reply) => {
    const user = await auth.require(request, { roles: ['agent'] });
    const incident = parseWith(screenRecordingIncidentSchema, request.body, 'body');
    const requester = requesterOf(user, request);
    await parts.audit.append({
      actor: requester.actor,
      action: 'screen-incident',
      target: incident.recordingId ?? incident.connId,
      source: requester.source,
      details: { connId: incident.connId, dn: agentDn(user), reason: incident.reason, message: incident.message },
    });
    return reply.status(204).send();
  });
}
