import { useState, type FormEvent } from 'react';
import { emptyFilters, isoFromLocalInput, localInputFromIso, type SearchFilters } from './search-query.ts';

interface Props {
  filters: SearchFilters;
  busy: boolean;
  onSearch(filters: SearchFilters): Promise<void>;
}

type TextKey = Exclude<keyof SearchFilters, 'hasScreen' | 'pciLeak' | 'sort' | 'from' | 'to'>;

const textFields: Array<[TextKey, string, string]> = [
  ['agent', 'Agent', 'agent1 or agent*'],
  ['group', 'Group', 'sales'],
  ['callerPhoneNumber', 'Caller number', '555* or *0142'],
  ['dialedPhoneNumber', 'Dialed number', '800*'],
  ['connId', 'ConnectionID', '16 hex digits'],
  ['label', 'Label', 'coaching'],
  ['minDuration', 'Min duration (s)', '0'],
  ['maxDuration', 'Max duration (s)', ''],
  ['minLongestSilence', 'Longest silence at least (s)', ''],
  ['minOvertalk', 'Overtalk at least (s)', ''],
];

/** The search filters; the search runs (and the URL changes) when the supervisor submits them. */
export function SearchForm({ filters, busy, onSearch }: Props) {
  const [draft, setDraft] = useState(filters);
  const change = <K extends keyof SearchFilters>(key: K, value: SearchFilters[K]) =>
    setDraft({ ...draft, [key]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void onSearch(draft);
  };
  return (
    <form className="search-form" onSubmit={submit} aria-label="Search filters">
      <label>
        From
        <input
          type="datetime-local"
          value={localInputFromIso(draft.from)}
          onChange={(e) => change('from', isoFromLocalInput(e.target.value))}
        />
      </label>
      <label>
        To
        <input
          type="datetime-local"
          value={localInputFromIso(draft.to)}
          onChange={(e) => change('to', isoFromLocalInput(e.target.value))}
        />
      </label>
      {textFields.map(([key, label, placeholder]) => (
        <label key={key}>
          {label}
          <input
            value={draft[key]}
            placeholder={placeholder}
            inputMode={key.startsWith('min') || key.startsWith('max') ? 'decimal' : undefined}
            onChange={(e) => change(key, e.target.value)}
          />
        </label>
      ))}
      <label>
        Screen recording
        <select
          aria-label="Screen recording"
          value={draft.hasScreen}
          onChange={(e) => change('hasScreen', e.target.value as SearchFilters['hasScreen'])}
        >
          <option value="">any</option>
          <option value="true">with screen</option>
          <option value="false">voice only</option>
        </select>
      </label>
      <label>
        DTMF heard
        <select
          aria-label="DTMF heard"
          value={draft.pciLeak}
          onChange={(e) => change('pciLeak', e.target.value as SearchFilters['pciLeak'])}
        >
          <option value="">any</option>
          <option value="true">DTMF present</option>
          <option value="false">no DTMF</option>
        </select>
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Search
        </button>
        <button type="button" onClick={() => void onSearch({ ...emptyFilters, sort: draft.sort })} disabled={busy}>
          Clear
        </button>
      </div>
    </form>
  );
}
