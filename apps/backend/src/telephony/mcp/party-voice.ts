/**
 * A speech-like voice for one party: syllables of a voiced, formant-shaped wave with a moving
 * pitch, grouped into words and phrases, so an MP3 encoder, a waveform view and a talk/silence
 * detector all see something close to speech. Each party gets its own pitch and vowel colour
 * from its seed, so the two channels of a recording differ audibly.
 *
 * Cost matters (hundreds of concurrent calls): each vowel is one wavetable period built once,
 * and a sample costs one interpolated table read and a multiply.
 */
import { seededRandom } from '../../platform/media/seeded-random.ts';

const tableSize = 1024;

// First and second formants (Hz) of a few vowels: a, e, i, o, u.
const vowelFormants: Array<[number, number]> = [
  [730, 1090],
  [530, 1840],
  [300, 2290],
  [570, 840],
  [300, 870],
];

export interface VoiceOptions {
  sampleRate: number;
  seed: number;
  /** mean fundamental frequency in Hz */
  pitchHz: number;
}

function buildVowelTable(pitchHz: number, formants: [number, number]): Float32Array {
  const table = new Float32Array(tableSize);
  const harmonics = Math.floor(3400 / pitchHz);
  let peak = 0;
  for (let i = 0; i < tableSize; i++) {
    let sample = 0;
    for (let h = 1; h <= harmonics; h++) {
      const f = h * pitchHz;
      // Two resonances on a falling glottal spectrum.
      const gain =
        (1 / h) * (1 / (1 + ((f - formants[0]) / 120) ** 2) + 0.6 / (1 + ((f - formants[1]) / 180) ** 2) + 0.05);
      sample += gain * Math.sin((2 * Math.PI * h * i) / tableSize);
    }
    table[i] = sample;
    peak = Math.max(peak, Math.abs(sample));
  }
  for (let i = 0; i < tableSize; i++) table[i] = (table[i] ?? 0) / peak;
  return table;
}

interface Syllable {
  table: Float32Array;
  length: number;
  pitchStart: number;
  pitchEnd: number;
  level: number;
}

export class PartyVoice {
  private readonly random: () => number;
  private readonly tables: Float32Array[];
  private syllable: Syllable | undefined;
  private position = 0;
  private gapLeft = 0;
  private phase = 0;
  private syllablesLeftInWord = 0;

  constructor(private readonly options: VoiceOptions) {
    this.random = seededRandom(options.seed);
    this.tables = vowelFormants.map((formants) => buildVowelTable(options.pitchHz, formants));
  }

  /**
   * Writes `count` samples of speech into `out` (float, -1..1) starting at `offset`, every
   * `stride`-th slot (so one call can fill one channel of an interleaved buffer).
   */
  speak(out: Float32Array, offset: number, count: number, stride: number, gain: number): void {
    const rate = this.options.sampleRate;
    for (let n = 0; n < count; n++) {
      const index = offset + n * stride;
      if (this.gapLeft > 0) {
        this.gapLeft--;
        out[index] = 0;
        continue;
      }
      const syllable = this.syllable ?? this.nextSyllable();
      const t = this.position / syllable.length;
      const pitch = syllable.pitchStart + (syllable.pitchEnd - syllable.pitchStart) * t;
      this.phase += (pitch * tableSize) / rate;
      if (this.phase >= tableSize) this.phase -= tableSize;
      const i = this.phase | 0;
      const frac = this.phase - i;
      const a = syllable.table[i] ?? 0;
      const b = syllable.table[(i + 1) % tableSize] ?? 0;
      // Raised-cosine envelope: no clicks between syllables.
      const envelope = 0.5 - 0.5 * Math.cos(2 * Math.PI * t);
      out[index] = (a + (b - a) * frac) * envelope * syllable.level * gain;
      if (++this.position >= syllable.length) this.endSyllable();
    }
  }

  private nextSyllable(): Syllable {
    const rate = this.options.sampleRate;
    const base = this.options.pitchHz * (0.9 + 0.2 * this.random());
    const table = this.tables[Math.floor(this.random() * this.tables.length)] ?? this.tables[0];
    if (!table) throw new Error('no vowel tables');
    if (this.syllablesLeftInWord <= 0) this.syllablesLeftInWord = 1 + Math.floor(this.random() * 3);
    this.syllable = {
      table,
      length: Math.round(rate * (0.11 + 0.17 * this.random())),
      pitchStart: base,
      pitchEnd: base * (0.85 + 0.3 * this.random()),
      level: 0.45 + 0.4 * this.random(),
    };
    this.position = 0;
    return this.syllable;
  }

  private endSyllable(): void {
    this.syllable = undefined;
    this.syllablesLeftInWord--;
    const rate = this.options.sampleRate;
    // Short gaps inside a word, longer ones between words.
    this.gapLeft =
      this.syllablesLeftInWord > 0
        ? Math.round(rate * 0.02 * this.random())
        : Math.round(rate * (0.08 + 0.18 * this.random()));
  }
}
