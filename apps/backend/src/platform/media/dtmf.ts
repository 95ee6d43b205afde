/** ITU-T Q.23 DTMF: each key is a pair of a low (row) and a high (column) frequency. */
const rows = [697, 770, 852, 941] as const;
const columns = [1209, 1336, 1477, 1633] as const;
const keypad = ['123A', '456B', '789C', '*0#D'] as const;

export const dtmfFrequencies: ReadonlyMap<string, readonly [number, number]> = new Map(
  keypad.flatMap((keys, r) => [...keys].map((key, c) => [key, [rows[r]!, columns[c]!] as const])),
);

/** How a keyed digit sounds on the line: 100 ms of tone, then 100 ms before the next one. */
export const dtmfToneMs = 100;
export const dtmfGapMs = 100;

/** Writes `count` samples of the digit's tone into `out` from `offset`; `sample0` is the tone's own position. */
export function renderDtmfTone(
  digit: string,
  sampleRate: number,
  out: Float32Array,
  offset: number,
  count: number,
  sample0: number,
): void {
  const pair = dtmfFrequencies.get(digit);
  if (!pair) throw new Error(`not a DTMF digit: ${digit}`);
  const [low, high] = pair;
  const wLow = (2 * Math.PI * low) / sampleRate;
  const wHigh = (2 * Math.PI * high) / sampleRate;
  for (let i = 0; i < count; i++) {
    const n = sample0 + i;
    // About -10 dBm0 per tone, as telephones send them.
    out[offset + i] = 0.25 * Math.sin(wLow * n) + 0.25 * Math.sin(wHigh * n);
  }
}

export interface DetectedDigit {
  digit: string;
  /** ms from the start of the audio */
  atMs: number;
}

/** The power of one frequency in a block (Goertzel), relative to the block's energy. */
function goertzel(samples: Float32Array, start: number, length: number, frequency: number, sampleRate: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < length; i++) {
    const s0 = (samples[start + i] ?? 0) + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/**
 * Finds DTMF digits in decoded audio with the Goertzel algorithm over 20 ms blocks: a block is a
 * digit when one row and one column frequency stand far above the others and carry most of its
 * energy (speech spreads its energy over many frequencies). A digit is reported once per tone:
 * it must be present in two blocks in a row, and the same digit again needs two blocks without it
 * first (one block can miss inside a tone: at 8 kHz neighbouring rows are only 1.5 bins apart).
 */
export function detectDtmf(samples: Float32Array, sampleRate: number): DetectedDigit[] {
  return new DtmfDetector(sampleRate).push(samples);
}

/** The same detection over audio that arrives in pieces (a long file, streamed). */
export class DtmfDetector {
  private readonly block: number;
  private pending = new Float32Array(0);
  private blocksSeen = 0;
  private previous: string | undefined;
  private reported: string | undefined;
  private blocksWithout = 0;

  constructor(private readonly sampleRate: number) {
    this.block = Math.round(sampleRate * 0.02);
  }

  /** Digits found in the blocks this piece completes. */
  push(piece: Float32Array): DetectedDigit[] {
    const samples = new Float32Array(this.pending.length + piece.length);
    samples.set(this.pending, 0);
    samples.set(piece, this.pending.length);
    const found: DetectedDigit[] = [];
    let start = 0;
    for (; start + this.block <= samples.length; start += this.block) {
      const digit = this.digitIn(samples, start);
      if (digit && digit === this.previous && digit !== this.reported) {
        found.push({ digit, atMs: Math.round(((this.blocksSeen - 1) * this.block * 1000) / this.sampleRate) });
        this.reported = digit;
      }
      this.blocksWithout = digit ? 0 : this.blocksWithout + 1;
      if (this.blocksWithout >= 2) this.reported = undefined;
      this.previous = digit;
      this.blocksSeen++;
    }
    this.pending = samples.slice(start);
    return found;
  }

  private digitIn(samples: Float32Array, start: number): string | undefined {
    const { block, sampleRate } = this;
    let energy = 0;
    for (let i = 0; i < block; i++) energy += (samples[start + i] ?? 0) ** 2;
    if (energy <= block * 1e-4) return undefined;
    const rowPower = rows.map((f) => goertzel(samples, start, block, f, sampleRate));
    const columnPower = columns.map((f) => goertzel(samples, start, block, f, sampleRate));
    const strongest = (powers: number[]) => {
      const sorted = [...powers].sort((a, b) => b - a);
      return { index: powers.indexOf(sorted[0]!), power: sorted[0]!, next: sorted[1]! };
    };
    const row = strongest(rowPower);
    const column = strongest(columnPower);
    // A pure tone of amplitude a over n samples has Goertzel power (a n / 2)^2; two tones carry
    // the block's energy n (a^2 / 2) each. Their share of the energy tells tones from speech.
    const toneShare = ((row.power + column.power) * 2) / (block * energy);
    return row.power > 8 * row.next && column.power > 8 * column.next && toneShare > 0.6
      ? keypad[row.index]![column.index]
      : undefined;
  }
}
