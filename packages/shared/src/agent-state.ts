import { z } from 'zod';

/** The agent's availability on its DN (T-Library RequestAgentReady / RequestAgentNotReady). */
export const agentStateSchema = z.enum(['ready', 'not-ready']);
export type AgentState = z.infer<typeof agentStateSchema>;

/** `PUT /agents/me/state` */
export const agentStateRequestSchema = z.object({
  state: agentStateSchema,
  /** why not ready (`Break`, `After call work`...), as the agent picked it */
  reason: z.string().min(1).max(64).optional(),
});
export type AgentStateRequest = z.infer<typeof agentStateRequestSchema>;

/** `GET /agents/me/state`, and the `EventAgentReady` / `EventAgentNotReady` events to the DN. */
export const agentStateEventSchema = z.object({
  dn: z.string(),
  state: agentStateSchema,
  reason: z.string().optional(),
  at: z.string(),
});
export type AgentStateEvent = z.infer<typeof agentStateEventSchema>;
