import { describe, expect, it } from 'vitest';
import type { DnEntry } from './dn-directory.ts';
import { enablementOnJoin, recordingDecision, type RuleParty } from './recording-rules.ts';

const dn = (number: string, record: boolean): DnEntry => ({
  dn: number,
  type: 'Extension',
  record,
  agentId: undefined,
  agentUsername: undefined,
  group: undefined,
});

describe('enablementOnJoin (GIR recording triggers)', () => {
  it.each([
    ['source', undefined, 'source', true, 'routing strategy record=source'],
    ['destination', dn('7001', false), 'destination', true, 'routing strategy record=destination'],
    ['destination', dn('7001', true), 'disable_destination', false, 'routing strategy record=disable_destination'],
    ['source', undefined, 'disable_source', false, 'routing strategy record=disable_source'],
    ['destination', dn('7001', true), undefined, true, 'DN 7001 configured record=true'],
    ['destination', dn('7001', true), 'source', true, 'DN 7001 configured record=true'],
    ['joined', dn('7002', false), 'destination', false, 'DN 7002 not configured for recording'],
    ['source', undefined, 'destination', false, 'external party without recording configuration'],
  ] as const)('%s party, DN %j, strategy %s', (side, entry, routeRecord, enabled, reason) => {
    expect(enablementOnJoin(side, entry, routeRecord)).toEqual({ recordEnabled: enabled, recordReason: reason });
  });
});

describe('recordingDecision (recording across transfers and conferences)', () => {
  const party = (state: RuleParty['state'], recordEnabled: boolean): RuleParty => ({
    dn: '7001',
    role: 'agent',
    state,
    recordEnabled,
  });

  it('starts once the call is established with a recording-enabled party connected', () => {
    expect(recordingDecision([party('established', true)], true, false)).toBe('start');
    expect(recordingDecision([party('held', true)], true, false)).toBe('start');
    expect(recordingDecision([party('ringing', true)], false, false)).toBe('idle');
    expect(recordingDecision([party('ringing', true), party('established', false)], true, false)).toBe('idle');
  });

  it('continues while one recording-enabled party remains, ringing after a transfer included', () => {
    expect(recordingDecision([party('established', false), party('ringing', true)], true, true)).toBe('continue');
    expect(recordingDecision([party('established', false), party('established', true)], true, true)).toBe('continue');
  });

  it('stops when no recording-enabled party is left, or the call is over', () => {
    expect(recordingDecision([party('established', false), party('ringing', false)], true, true)).toBe('stop');
    expect(recordingDecision([party('released', true)], true, true)).toBe('stop');
    expect(recordingDecision([party('established', true)], false, true)).toBe('stop');
  });
});
