/** The value below which `share` (0..1) of the values lie (nearest rank); NaN for no values. */
export function percentile(values: number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

/** `p50 12 ms, p99 85 ms, max 230 ms (1234)`, or `none` */
export function latencySummary(valuesMs: number[]): string {
  if (valuesMs.length === 0) return 'none';
  const ms = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
  return (
    `p50 ${ms(percentile(valuesMs, 0.5))}, p99 ${ms(percentile(valuesMs, 0.99))}, ` +
    `max ${ms(Math.max(...valuesMs))} (${valuesMs.length})`
  );
}
