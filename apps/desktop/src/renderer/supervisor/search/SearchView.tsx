import { useSupervisorStore } from '../supervisor-store.ts';
import { ResultsTable } from './ResultsTable.tsx';
import { SearchForm } from './SearchForm.tsx';
import { activeFilterCount } from './search-query.ts';

/** The search: filters, then the results with their pages, or what to do when there are none. */
export function SearchView() {
  const search = useSupervisorStore((s) => s.search);
  const runSearch = useSupervisorStore((s) => s.runSearch);
  const nextPage = useSupervisorStore((s) => s.nextPage);
  const previousPage = useSupervisorStore((s) => s.previousPage);
  return (
    <section aria-label="Search recordings">
      <SearchForm
        key={JSON.stringify(search.filters)}
        filters={search.filters}
        busy={search.loading}
        onSearch={runSearch}
      />
      {search.error ? (
        <div role="alert" className="error state">
          <p>The search failed: {search.error}</p>
          <p>
            Check the filters (a number with *, durations in whole seconds, a label of letters and digits) and search
            again.
          </p>
          <button onClick={() => void runSearch(search.filters)}>Try again</button>
        </div>
      ) : search.done && search.results.length === 0 && !search.loading ? (
        <div className="empty state" data-testid="no-results">
          {activeFilterCount(search.filters) > 0 ? (
            <p>
              No recordings match this search. Widen the date range, clear a filter, or use * in a number (555* finds
              every number starting with 555).
            </p>
          ) : (
            <p>No recordings you may see yet. Recorded calls of your group appear here once their file is stored.</p>
          )}
        </div>
      ) : (
        <ResultsTable />
      )}
      <div className="pager">
        <button onClick={() => void previousPage()} disabled={search.previous.length === 0 || search.loading}>
          ← Previous page
        </button>
        <span data-testid="result-count">
          {search.loading
            ? 'Searching…'
            : `${search.results.length} on this page${search.nextCursor ? ', more after' : ''}`}
        </span>
        <button onClick={() => void nextPage()} disabled={!search.nextCursor || search.loading}>
          Next page →
        </button>
      </div>
    </section>
  );
}
