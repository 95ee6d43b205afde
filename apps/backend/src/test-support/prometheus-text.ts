/** One sample of a scrape: `name{labels} value`. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A sample's value as Prometheus parses it (Go's ParseFloat: `NaN` and `Inf` in any case). */
function sampleValue(text: string, line: string): number {
  const special = /^([+-]?)(inf|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const value = Number(text);
  if (Number.isNaN(value) || text.trim() === '') throw new Error(`not a sample value: ${line}`);
  return value;
}

/**
 * A scrape as Prometheus reads the text exposition format; throws on a line it would reject, or
 * on a sample whose metric has no `# TYPE` line before it.
 */
export class PrometheusText {
  readonly samples: PrometheusSample[] = [];
  readonly types = new Map<string, string>();

  constructor(text: string) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) {
        this.types.set(type[1]!, type[2]!);
        continue;
      }
      if (line.startsWith('# HELP ')) continue;
      const sample = samplePattern.exec(line);
      if (!sample) throw new Error(`not a Prometheus sample line: ${line}`);
      const [, name, labelText, value] = sample as unknown as [string, string, string | undefined, string];
      const family = name.replace(/_(bucket|sum|count)$/, '');
      if (!this.types.has(name) && !this.types.has(family)) throw new Error(`${name} has no # TYPE line`);
      const labels: Record<string, string> = {};
      for (const [, label, labelValue] of (labelText ?? '').matchAll(labelPattern)) labels[label!] = labelValue!;
      this.samples.push({ name, labels, value: sampleValue(value, line) });
    }
  }

  /** The samples of `name` whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}): PrometheusSample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    );
  }

  /** The value of the one sample of `name` with these labels; throws unless there is exactly one. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.find(name, labels);
    if (found.length !== 1) {
      throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}, not one`);
    }
    return found[0]!.value;
  }
}
