import type { Recording } from '@vox/shared';
import { formatSeconds } from '../common/time-format.ts';

/** What speech analytics found in the call (recording-and-analytics mode), or why there is nothing. */
export function AnalyticsFigures({ recording }: { recording: Recording }) {
  const a = recording.analytics;
  if (!a) {
    return (
      <section className="analytics" aria-label="Analytics">
        <h3>Analytics</h3>
        <p className="hint">Not analysed: the backend runs speech analytics in recording-and-analytics mode only.</p>
      </section>
    );
  }
  const figures: Array<[string, string]> = [
    ['Agent talk', formatSeconds(a.agentTalkMs)],
    ['Customer talk', formatSeconds(a.customerTalkMs)],
    ['Silence', formatSeconds(a.silenceMs)],
    ['Longest silence', formatSeconds(a.longestSilenceMs)],
    ['Overtalk', formatSeconds(a.overtalkMs)],
    ['DTMF digits heard', String(a.dtmfDigits)],
  ];
  return (
    <section className="analytics" aria-label="Analytics" data-testid="analytics">
      <h3>Analytics</h3>
      <dl className="facts">
        {figures.map(([name, value]) => (
          <span key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </span>
        ))}
      </dl>
      {a.pciLeak && (
        <p className="error">DTMF tones are in the recording: card digits may have been recorded (PCI DSS).</p>
      )}
    </section>
  );
}
