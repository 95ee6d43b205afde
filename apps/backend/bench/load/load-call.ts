import { performance } from 'node:perf_hooks';
import type { VoxTestBackend } from '../../src/test-support/vox-test-backend.ts';
import type { AgentEventName, CallEventLedger } from './call-event-ledger.ts';
import type { LoadAgent } from './load-agents.ts';
import { errorMessage } from '@vox/shared';

/** What happened to one call of the load run; times are performance.now() ms. */
export interface LoadCall {
  agentDn: string;
  ani: string;
  connId?: string;
  /** just before each REST request was sent */
  routeSentAt?: number;
  answerSentAt?: number;
  releaseSentAt?: number;
  answered: boolean;
  released: boolean;
  /** released when the run ended (with every other call then), not at the end of its own hold */
  releasedAtRunEnd: boolean;
  /** REST round trips (ms) */
  restMs: { route?: number; answer?: number; release?: number };
  /** from the REST request to the event at the agent's socket (ms); absent: it never came */
  latencyMs: Partial<Record<AgentEventName, number>>;
  /** the REST answer or the missing event that ended the call early */
  failure?: string;
}

export interface LoadCallTiming {
  /** how long the agent lets it ring after EventRinging, as a person reaching for the button */
  ringMs: number;
  holdMs: number;
  /** an event that has not come after this long is counted missing */
  eventTimeoutMs: number;
}

/** The events each REST action should bring to the agent's socket. */
const eventsAfter = {
  route: ['EventRinging'],
  answer: ['EventEstablished', 'RecordingStarted'],
  release: ['EventReleased', 'RecordingStopped'],
} as const satisfies Record<string, AgentEventName[]>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or less if `ending` resolves first: whether it did. */
async function hold(ms: number, ending: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ending.then(() => true),
  ]);
  clearTimeout(timer);
  return ended;
}

/**
 * One recorded call, as the routing strategy and an agent's desktop make it: the call is routed
 * to the agent's DN with record=destination (admin), the agent answers when its socket says it
 * rings, talks for `holdMs` (or until `ending` resolves) and releases it. Resolves once the
 * release's events have come (or timed out); RecordingStored is awaited by the caller later.
 */
export async function placeLoadCall(
  vox: VoxTestBackend,
  adminToken: string,
  ledger: CallEventLedger,
  agent: LoadAgent,
  ani: string,
  timing: LoadCallTiming,
  ending: Promise<void>,
): Promise<LoadCall> {
  const call: LoadCall = {
    agentDn: agent.dn,
    ani,
    answered: false,
    released: false,
    releasedAtRunEnd: false,
    restMs: {},
    latencyMs: {},
  };
  /** Sends the request and, once its connId is known, waits for the events it should bring. */
  const act = async (action: keyof typeof eventsAfter, route: string, body: unknown, token: string) => {
    const sentAt = performance.now();
    call[`${action}SentAt`] = sentAt;
    const answer = await vox.call('POST', route, body, token);
    call.restMs[action] = performance.now() - sentAt;
    if (answer.status !== 200 && answer.status !== 201) {
      const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code ?? '';
      throw new Error(`${action} ${answer.status} ${code}`.trim());
    }
    if (action === 'route') call.connId = (answer.body as { connId: string }).connId;
    const arrivals = await Promise.all(
      eventsAfter[action].map((name) => ledger.waitFor(call.connId!, name, timing.eventTimeoutMs)),
    );
    eventsAfter[action].forEach((name, i) => {
      const at = arrivals[i];
      if (at !== undefined) call.latencyMs[name] = at - sentAt;
    });
    const missing = eventsAfter[action].filter((_, i) => arrivals[i] === undefined);
    if (missing.length > 0 && !call.failure) call.failure = `no ${missing.join(', ')} after ${action}`;
  };
  try {
    await act(
      'route',
      '/api/v2/sim/calls',
      { ani, dnis: '8005550100', targetDn: agent.dn, record: 'destination' },
      adminToken,
    );
    await sleep(timing.ringMs);
    const callRoute = `/api/v2/sim/calls/${call.connId}`;
    await act('answer', `${callRoute}/answer`, { dn: agent.dn }, agent.token);
    call.answered = true;
    call.releasedAtRunEnd = await hold(timing.holdMs, ending);
    await act('release', `${callRoute}/release`, { dn: agent.dn }, agent.token);
    call.released = true;
  } catch (error) {
    call.failure = errorMessage(error);
    // A call left ringing or up would keep the agent's DN busy for the rest of the run.
    if (call.connId && !call.released) {
      await vox.call('POST', `/api/v2/sim/calls/${call.connId}/release`, { dn: agent.dn }, agent.token);
    }
  }
  return call;
}
