import { recordingSortSchema, type RecordingSort } from '@vox/shared';

/**
 * A search as the supervisor typed it, keyed by the REST API's own parameter names, so the page's
 * URL, the API query and a shared link all read the same. Every value is a string, '' for unset.
 */
export interface SearchFilters {
  /** ISO 8601 instants */
  from: string;
  to: string;
  agent: string;
  group: string;
  callerPhoneNumber: string;
  dialedPhoneNumber: string;
  connId: string;
  /** seconds */
  minDuration: string;
  maxDuration: string;
  label: string;
  hasScreen: '' | 'true' | 'false';
  /** DTMF heard in the recording (analytics) */
  pciLeak: '' | 'true' | 'false';
  /** seconds (analytics) */
  minLongestSilence: string;
  minOvertalk: string;
  sort: RecordingSort;
}

export const emptyFilters: SearchFilters = {
  from: '',
  to: '',
  agent: '',
  group: '',
  callerPhoneNumber: '',
  dialedPhoneNumber: '',
  connId: '',
  minDuration: '',
  maxDuration: '',
  label: '',
  hasScreen: '',
  pciLeak: '',
  minLongestSilence: '',
  minOvertalk: '',
  sort: '-startTime',
};

const textKeys = [
  'from',
  'to',
  'agent',
  'group',
  'callerPhoneNumber',
  'dialedPhoneNumber',
  'connId',
  'minDuration',
  'maxDuration',
  'label',
  'minLongestSilence',
  'minOvertalk',
] as const;
const flagKeys = ['hasScreen', 'pciLeak'] as const;

const flagOf = (value: string | null): '' | 'true' | 'false' => (value === 'true' || value === 'false' ? value : '');

/** The filters a URL's query carries; anything else in it is ignored. */
export function filtersFromSearch(search: string): SearchFilters {
  const params = new URLSearchParams(search);
  const filters: SearchFilters = { ...emptyFilters };
  for (const key of textKeys) filters[key] = params.get(key)?.trim() ?? '';
  for (const key of flagKeys) filters[key] = flagOf(params.get(key));
  const sort = recordingSortSchema.safeParse(params.get('sort'));
  if (sort.success) filters.sort = sort.data;
  return filters;
}

/** The filters that are set, as the API's query parameters (the default order left out). */
export function apiQueryOf(filters: SearchFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of [...textKeys, ...flagKeys]) {
    const value = filters[key].trim();
    if (value) query[key] = value;
  }
  if (filters.sort !== emptyFilters.sort) query.sort = filters.sort;
  return query;
}

/** What the page's URL says: the search, the page's cursor and what is open, in one shareable query. */
export function searchOf(filters: SearchFilters, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams(apiQueryOf(filters));
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** How many filters are set: an empty search lists every recording the user may see. */
export function activeFilterCount(filters: SearchFilters): number {
  return Object.keys(apiQueryOf(filters)).filter((key) => key !== 'sort').length;
}

/** `<input type="datetime-local">` speaks local time without a zone; the API and the URL speak ISO instants. */
export function isoFromLocalInput(value: string): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

export function localInputFromIso(iso: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
