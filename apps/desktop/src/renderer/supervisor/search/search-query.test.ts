import { describe, expect, it } from 'vitest';
import {
  activeFilterCount,
  apiQueryOf,
  emptyFilters,
  filtersFromSearch,
  isoFromLocalInput,
  localInputFromIso,
  searchOf,
} from './search-query.ts';

describe('a search in the URL', () => {
  it('round-trips every filter through the query string, in the API parameter names', () => {
    const filters = {
      ...emptyFilters,
      from: '2026-11-30T08:00:00.000Z',
      agent: 'agent1',
      callerPhoneNumber: '555*',
      hasScreen: 'true' as const,
      pciLeak: 'false' as const,
      minLongestSilence: '2.5',
      sort: '-duration' as const,
    };
    const search = searchOf(filters, { cursor: 'abc', recording: undefined });
    expect(search).toBe(
      '?from=2026-11-30T08%3A00%3A00.000Z&agent=agent1&callerPhoneNumber=555*&minLongestSilence=2.5&hasScreen=true&pciLeak=false&sort=-duration&cursor=abc',
    );
    expect(filtersFromSearch(search)).toEqual(filters);
  });

  it('leaves out what is unset and the default order, and ignores values it does not know', () => {
    expect(searchOf(emptyFilters)).toBe('');
    expect(apiQueryOf({ ...emptyFilters, label: '  coaching ' })).toEqual({ label: 'coaching' });
    const parsed = filtersFromSearch('?sort=loudest&hasScreen=maybe&view=admin&connId=00a1');
    expect(parsed).toEqual({ ...emptyFilters, connId: '00a1' });
  });

  it('counts the filters that narrow the search, not the order', () => {
    expect(activeFilterCount({ ...emptyFilters, sort: 'duration' })).toBe(0);
    expect(activeFilterCount({ ...emptyFilters, agent: 'agent1', pciLeak: 'true' })).toBe(2);
  });
});

describe('date inputs', () => {
  it('turn local wall-clock time into an ISO instant and back', () => {
    const iso = isoFromLocalInput('2026-11-30T09:15');
    expect(new Date(iso).getHours()).toBe(9);
    expect(localInputFromIso(iso)).toBe('2026-11-30T09:15');
    expect(isoFromLocalInput('')).toBe('');
    expect(localInputFromIso('not a date')).toBe('');
  });
});
