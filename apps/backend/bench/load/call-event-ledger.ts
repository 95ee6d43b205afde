import { performance } from 'node:perf_hooks';
import type { CallEventName, RecordingEventName } from '@vox/shared';

export type AgentEventName = CallEventName | RecordingEventName;

interface Waiter {
  name: AgentEventName;
  resolve: (at: number | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * Every event the agents' sockets received, by call and name, with the time each arrived
 * (performance.now()). An event may arrive before the REST answer that names its call (the
 * ConnectionID of a routed call comes back after its EventRinging went out): it is kept until
 * someone asks. Repeated events are all kept, so duplicates can be counted.
 */
export class CallEventLedger {
  private readonly arrivals = new Map<string, Map<AgentEventName, number[]>>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** events that reached a socket other than their DN's */
  misdelivered = 0;

  record(connId: string, name: AgentEventName, deliveredTo: string, eventDn: string): void {
    const at = performance.now();
    if (deliveredTo !== eventDn) this.misdelivered++;
    const byName = this.arrivals.get(connId) ?? new Map<AgentEventName, number[]>();
    this.arrivals.set(connId, byName);
    byName.set(name, [...(byName.get(name) ?? []), at]);
    const waiting = this.waiters.get(connId) ?? [];
    for (const waiter of waiting.filter((w) => w.name === name)) {
      clearTimeout(waiter.timer);
      waiter.resolve(at);
    }
    const left = waiting.filter((w) => w.name !== name);
    if (left.length > 0) this.waiters.set(connId, left);
    else this.waiters.delete(connId);
  }

  /** When the call's first `name` event arrived; undefined if none has within `timeoutMs`. */
  waitFor(connId: string, name: AgentEventName, timeoutMs: number): Promise<number | undefined> {
    const first = this.arrivals.get(connId)?.get(name)?.[0];
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        name,
        resolve,
        timer: setTimeout(() => {
          const waiting = (this.waiters.get(connId) ?? []).filter((w) => w !== waiter);
          if (waiting.length > 0) this.waiters.set(connId, waiting);
          else this.waiters.delete(connId);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.set(connId, [...(this.waiters.get(connId) ?? []), waiter]);
    });
  }

  /** When each of the call's `name` events arrived (none: an empty list). */
  arrivalsOf(connId: string, name: AgentEventName): number[] {
    return this.arrivals.get(connId)?.get(name) ?? [];
  }
}
