import type { AgentState, AgentStateEvent } from '@vox/shared';
import type { EventBus } from '../../platform/events/event-bus.ts';

/**
 * Whether each agent is Ready or Not Ready on its DN, as the SIP Server's T-Server side keeps
 * it. An agent who has never said otherwise is Not Ready, as after a fresh login in Genesys.
 */
export class AgentStates {
  private readonly byDn = new Map<string, AgentStateEvent>();

  constructor(
    private readonly bus: EventBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  of(dn: string): AgentStateEvent {
    return this.byDn.get(dn) ?? { dn, state: 'not-ready', at: this.now().toISOString() };
  }

  /** Sets the state and tells the DN's desktops; setting the same state again tells nobody. */
  set(dn: string, state: AgentState, reason?: string): AgentStateEvent {
    const current = this.byDn.get(dn);
    if (current && current.state === state && current.reason === reason) return current;
    const event: AgentStateEvent = { dn, state, ...(reason ? { reason } : {}), at: this.now().toISOString() };
    this.byDn.set(dn, event);
    this.bus.emit('agentState', event);
    return event;
  }
}
