/**
 * A party speaking recorded phrases (espeak-ng's) at any output rate: one phrase per turn, picked
 * by the call's random sequence, resampled by linear interpolation as it plays.
 */
export class PhraseVoice {
  private phrase: Float32Array | undefined;
  private position = 0;
  private readonly step: number;

  constructor(
    private readonly phrases: readonly Float32Array[],
    phraseRate: number,
    outputRate: number,
    private readonly random: () => number,
  ) {
    this.step = phraseRate / outputRate;
  }

  /** Starts the next phrase; returns its length in output frames (the turn's length). */
  startTurn(): number {
    this.phrase = this.phrases[Math.floor(this.random() * this.phrases.length)];
    this.position = 0;
    return Math.max(1, Math.floor((this.phrase?.length ?? 0) / this.step));
  }

  speak(out: Float32Array, offset: number, count: number): void {
    const phrase = this.phrase;
    for (let n = 0; n < count; n++) {
      const i = this.position | 0;
      const frac = this.position - i;
      const a = phrase?.[i] ?? 0;
      const b = phrase?.[i + 1] ?? a;
      out[offset + n] = a + (b - a) * frac;
      this.position += this.step;
    }
  }
}
