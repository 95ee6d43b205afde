import type { CallLadder } from '@vox/shared';
import { ladderLayout, offsetLabel } from './ladder-layout.ts';

/**
 * The call ladder: the SIP and MSML messages of the call as a sequence diagram, one column per
 * element, one row per message; a row opens to the message's full text.
 */
export function CallLadderView({ ladder }: { ladder: CallLadder | undefined }) {
  if (!ladder) return null;
  if (ladder.messages.length === 0) {
    return (
      <section className="ladder" aria-label="Call ladder">
        <h3>Call ladder</h3>
        <p className="hint">No SIP trace was kept for this call (it ended before ladders were kept with recordings).</p>
      </section>
    );
  }
  const { participants, rows } = ladderLayout(ladder.messages);
  const columns = participants.length;
  const center = (index: number) => ((index + 0.5) / columns) * 100;
  const first = ladder.messages[0]!.at;
  return (
    <section className="ladder" aria-label="Call ladder" data-testid="ladder">
      <h3>
        Call ladder <span className="hint">ConnectionID {ladder.connId}</span>
      </h3>
      <div className="ladder-heads" style={{ gridTemplateColumns: `repeat(${columns}, 1fr)` }}>
        {participants.map((p) => (
          <div key={p} className="ladder-head">
            {p}
          </div>
        ))}
      </div>
      <ol className="ladder-rows">
        {rows.map(({ message, from, to, note, response }) => {
          const left = Math.min(center(from), center(to));
          const width = Math.abs(center(to) - center(from));
          return (
            <li key={message.seq} data-seq={message.seq}>
              <details>
                <summary>
                  <span className="ladder-lifelines" aria-hidden>
                    {participants.map((p, i) => (
                      <span key={p} className="lifeline" style={{ left: `${center(i)}%` }} />
                    ))}
                    {note ? (
                      <span className="ladder-note" style={{ left: `${center(from)}%` }} />
                    ) : (
                      <span
                        className={`ladder-arrow ${to > from ? 'right' : 'left'} ${response ? 'response' : ''}`}
                        style={{ left: `${left}%`, width: `${width}%` }}
                      />
                    )}
                  </span>
                  <span
                    className="ladder-label"
                    style={{ left: `${note ? center(from) : left}%`, width: `${note ? 100 / columns : width}%` }}
                  >
                    <span className="ladder-time">{offsetLabel(first, message.at)}</span> {message.summary}
                  </span>
                </summary>
                <pre className="ladder-text">
                  {message.from} → {message.to} at {message.at}
                  {'\n\n'}
                  {message.text}
                </pre>
              </details>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
