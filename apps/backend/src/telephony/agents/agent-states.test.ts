import { describe, expect, it } from 'vitest';
import type { AgentStateEvent } from '@vox/shared';
import { EventBus } from '../../platform/events/event-bus.ts';
import { AgentStates } from './agent-states.ts';

describe('AgentStates', () => {
  it('starts Not Ready, tells the DN of each change and not of a repeat', () => {
    const bus = new EventBus();
    const told: AgentStateEvent[] = [];
    bus.on('agentState', (event) => told.push(event));
    const states = new AgentStates(bus, () => new Date('2026-11-30T09:00:00Z'));
    expect(states.of('7001').state).toBe('not-ready');
    states.set('7001', 'ready');
    states.set('7001', 'ready');
    states.set('7001', 'not-ready', 'Break');
    states.set('7001', 'not-ready', 'After call work');
    expect(told.map((e) => [e.dn, e.state, e.reason])).toEqual([
      ['7001', 'ready', undefined],
      ['7001', 'not-ready', 'Break'],
      ['7001', 'not-ready', 'After call work'],
    ]);
    expect(states.of('7001')).toEqual({
      dn: '7001',
      state: 'not-ready',
      reason: 'After call work',
      at: '2026-11-30T09:00:00.000Z',
    });
    expect(states.of('7002').state).toBe('not-ready');
  });
});
