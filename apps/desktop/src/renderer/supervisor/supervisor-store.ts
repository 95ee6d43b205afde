import { create } from 'zustand';
import type { CallLadder, Recording, User } from '@vox/shared';
import { closeEventStream, connectEventStream, type EventSocket } from '../backend/event-stream.ts';
import { emptyFilters, filtersFromSearch, searchOf, apiQueryOf, type SearchFilters } from './search/search-query.ts';
import { SupervisorClient } from './supervisor-client.ts';
import { errorMessage } from '@vox/shared';

/** What the page shows; the URL says the same, so a view can be shared and reloaded. */
export type SupervisorView = { kind: 'search' } | { kind: 'recording'; id: string } | { kind: 'admin' };

/** Results per page of the search, unless the URL says otherwise (`limit`, as the API names it). */
export const defaultPageSize = 25;

function pageSizeOf(search: string): number {
  const limit = Number(new URLSearchParams(search).get('limit'));
  return Number.isInteger(limit) && limit >= 1 && limit <= 200 ? limit : defaultPageSize;
}

export interface SearchState {
  filters: SearchFilters;
  /** the cursor of the page shown (undefined: the first page) */
  cursor: string | undefined;
  /** the cursors of the pages before it, to page back */
  previous: string[];
  results: Recording[];
  nextCursor: string | null;
  loading: boolean;
  error: string | undefined;
  /** a search has run since login (so an empty table means "nothing matched", not "not searched yet") */
  done: boolean;
  pageSize: number;
}

export interface OpenRecording {
  recording: Recording | undefined;
  ladder: CallLadder | undefined;
  error: string | undefined;
}

interface SupervisorState {
  client: SupervisorClient | undefined;
  user: User | undefined;
  loginError: string | undefined;
  view: SupervisorView;
  search: SearchState;
  open: OpenRecording;
  login(backendUrl: string, username: string, password: string): Promise<void>;
  runSearch(filters: SearchFilters): Promise<void>;
  nextPage(): Promise<void>;
  previousPage(): Promise<void>;
  openRecording(id: string): Promise<void>;
  showSearch(): void;
  showAdmin(): void;
  /** A recording changed (labels, legal hold): the open view and the results show it. */
  recordingChanged(recording: Recording): void;
  /** The browser went back or forward: show what the URL says. */
  followLocation(): Promise<void>;
}

const emptySearch: SearchState = {
  filters: emptyFilters,
  cursor: undefined,
  previous: [],
  results: [],
  nextCursor: null,
  loading: false,
  error: undefined,
  done: false,
  pageSize: defaultPageSize,
};

let socket: EventSocket | undefined;

/** The page's query for a view: the search (and its page) stays in it while a recording is open. */
function locationOf(view: SupervisorView, search: SearchState): string {
  if (view.kind === 'admin') return '?view=admin';
  return searchOf(search.filters, {
    limit: search.pageSize === defaultPageSize ? undefined : String(search.pageSize),
    cursor: search.cursor,
    recording: view.kind === 'recording' ? view.id : undefined,
  });
}

function writeLocation(view: SupervisorView, search: SearchState, mode: 'push' | 'replace'): void {
  const url = `${window.location.pathname}${locationOf(view, search)}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

export const useSupervisorStore = create<SupervisorState>()((set, get) => {
  /** Loads one page of the search; `cursor` undefined is the first page. */
  async function load(filters: SearchFilters, cursor: string | undefined, previous: string[]): Promise<void> {
    const client = get().client;
    if (!client) return;
    set({ search: { ...get().search, filters, cursor, previous, loading: true, error: undefined } });
    try {
      const page = await client.search({
        ...apiQueryOf(filters),
        limit: String(get().search.pageSize),
        ...(cursor ? { cursor } : {}),
      });
      set({
        search: {
          ...get().search,
          filters,
          cursor,
          previous,
          results: page.recordings,
          nextCursor: page.nextCursor,
          loading: false,
          error: undefined,
          done: true,
        },
      });
    } catch (error) {
      set({
        search: {
          ...get().search,
          results: [],
          nextCursor: null,
          loading: false,
          error: errorMessage(error),
          done: true,
        },
      });
    }
  }

  return {
    client: undefined,
    user: undefined,
    loginError: undefined,
    view: { kind: 'search' },
    search: emptySearch,
    open: { recording: undefined, ladder: undefined, error: undefined },

    async login(backendUrl, username, password) {
      const client = new SupervisorClient(backendUrl);
      try {
        const session = await client.login(username, password);
        if (session.user.role === 'agent') {
          set({ loginError: `${username} is an agent: recordings are for supervisors and admins` });
          return;
        }
        set({ client, user: session.user, loginError: undefined });
      } catch (error) {
        set({ loginError: errorMessage(error) });
        return;
      }
      if (socket) closeEventStream(socket);
      socket = connectEventStream(backendUrl, client.bearer ?? '');
      // New recordings appear on the first page of the search shown; later pages stay put.
      const refreshFirstPage = () => {
        const { view, search } = get();
        if (view.kind === 'search' && !search.cursor && !search.loading) void load(search.filters, undefined, []);
      };
      socket.on('RecordingStored', refreshFirstPage);
      socket.on('ScreenRecordingStored', (event) => {
        refreshFirstPage();
        const { view } = get();
        if (view.kind === 'recording' && view.id === event.recordingId) void get().openRecording(event.recordingId);
      });
      await get().followLocation();
    },

    async runSearch(filters) {
      const view: SupervisorView = { kind: 'search' };
      set({ view });
      writeLocation(view, { ...get().search, filters, cursor: undefined }, 'push');
      await load(filters, undefined, []);
    },

    async nextPage() {
      const { search } = get();
      if (!search.nextCursor) return;
      const previous = [...search.previous, search.cursor ?? ''];
      writeLocation(get().view, { ...search, cursor: search.nextCursor }, 'push');
      await load(search.filters, search.nextCursor, previous);
    },

    async previousPage() {
      const { search } = get();
      if (search.previous.length === 0) return;
      const previous = search.previous.slice(0, -1);
      const cursor = search.previous.at(-1) || undefined;
      writeLocation(get().view, { ...search, cursor }, 'push');
      await load(search.filters, cursor, previous);
    },

    async openRecording(id) {
      const client = get().client;
      if (!client) return;
      const view: SupervisorView = { kind: 'recording', id };
      const reopened = get().open.recording?.id === id;
      set({ view, ...(reopened ? {} : { open: { recording: undefined, ladder: undefined, error: undefined } }) });
      writeLocation(view, get().search, 'push');
      try {
        const [recording, ladder] = await Promise.all([client.recording(id), client.ladder(id)]);
        if (get().view.kind === 'recording') set({ open: { recording, ladder, error: undefined } });
      } catch (error) {
        set({
          open: {
            recording: undefined,
            ladder: undefined,
            error: `Recording ${id} cannot be opened: ${errorMessage(error)}. It may have been deleted, or belong to a group you do not supervise.`,
          },
        });
      }
    },

    showSearch() {
      const view: SupervisorView = { kind: 'search' };
      set({ view });
      writeLocation(view, get().search, 'push');
      if (!get().search.done) void load(get().search.filters, get().search.cursor, get().search.previous);
    },

    showAdmin() {
      const view: SupervisorView = { kind: 'admin' };
      set({ view });
      writeLocation(view, get().search, 'push');
    },

    recordingChanged(recording) {
      const { open, search } = get();
      set({
        open: open.recording?.id === recording.id ? { ...open, recording } : open,
        search: { ...search, results: search.results.map((r) => (r.id === recording.id ? recording : r)) },
      });
    },

    async followLocation() {
      const params = new URLSearchParams(window.location.search);
      const filters = filtersFromSearch(window.location.search);
      const cursor = params.get('cursor') ?? undefined;
      const recordingId = params.get('recording');
      set({ search: { ...get().search, pageSize: pageSizeOf(window.location.search) } });
      if (params.get('view') === 'admin' && get().user?.role === 'admin') {
        set({ view: { kind: 'admin' } });
        return;
      }
      const sameSearch =
        get().search.done && searchOf(get().search.filters) === searchOf(filters) && get().search.cursor === cursor;
      if (recordingId) {
        set({ search: { ...get().search, filters, cursor } });
        await get().openRecording(recordingId);
        if (!sameSearch) void load(filters, cursor, cursor ? [''] : []);
        return;
      }
      set({ view: { kind: 'search' } });
      if (!sameSearch) await load(filters, cursor, cursor ? [''] : []);
    },
  };
});
