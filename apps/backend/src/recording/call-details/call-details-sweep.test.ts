import { describe, expect, it } from 'vitest';
import { CallDetailsSweep } from './call-details-sweep.ts';
import { callDetailsOf } from '../../test-support/call-details-fixture.ts';
import { CallDetailsStore } from './call-details.ts';

const details = (connId: string) => callDetailsOf(connId);

describe('the call details sweep', () => {
  const minute = 60_000;

  it('forgets an ended call ten minutes on, unless a recording of it still waits; never a live one', async () => {
    const store = new CallDetailsStore();
    for (const connId of ['live', 'stored', 'waiting', 'recent']) store.put(details(connId));
    const t0 = 1_000_000;
    store.ended('stored', t0);
    store.ended('waiting', t0);
    store.ended('recent', t0 + 9 * minute);
    let waiting = new Set(['waiting']);
    const sweep = new CallDetailsSweep(store, async () => waiting);

    expect(await sweep.sweep(t0 + 11 * minute)).toBe(1);
    expect(['live', 'stored', 'waiting', 'recent'].map((c) => store.get(c) !== undefined)).toEqual([
      true,
      false,
      true,
      true,
    ]);
    // Storage caught up: the waiting call goes too, once its recording is stored.
    waiting = new Set();
    expect(await sweep.sweep(t0 + 20 * minute)).toBe(2);
    expect(store.size).toBe(1);
    expect(store.get('live')).toBeDefined();
  });

  it('forgets nothing while it cannot tell what waits (the database is down)', async () => {
    const store = new CallDetailsStore();
    store.put(details('ended'));
    store.ended('ended', 0);
    const sweep = new CallDetailsSweep(store, () => Promise.reject(new Error('database unavailable')));
    await expect(sweep.sweep(60 * minute)).rejects.toThrow(/database/);
    expect(store.get('ended')).toBeDefined();
  });
});
