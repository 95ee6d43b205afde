/**
 * One party's audio on the recording's timeline while it is being received: a ring of samples at
 * the stream's audio rate, indexed by sample position since the capture started. Positions no
 * packet filled stay silent (lost packets, silence suppression, pauses). Readers render it at
 * their own rate; once every reader has passed a stretch, it is cleared and its slots reused.
 */
export class SampleTimeline {
  private readonly ring: Int16Array;
  /** positions below this are rendered and gone: a packet for them came too late */
  private floor = 0;
  late = 0;
  tooEarly = 0;

  constructor(
    readonly sampleRate: number,
    seconds: number,
  ) {
    this.ring = new Int16Array(Math.ceil(sampleRate * seconds));
  }

  /** Writes `count` samples from `samples` at `position`; false when they fall outside what the ring can hold. */
  write(position: number, samples: Int16Array, count: number): boolean {
    const from = this.writableFrom(position, count);
    if (from < 0) return false;
    const size = this.ring.length;
    for (let i = from; i < count; i++) this.ring[(position + i) % size] = samples[i]!;
    return true;
  }

  /** Writes G.711 bytes through a decode table, straight into the ring. */
  writeDecoded(position: number, bytes: Uint8Array, table: Int16Array): boolean {
    const from = this.writableFrom(position, bytes.length);
    if (from < 0) return false;
    const size = this.ring.length;
    for (let i = from; i < bytes.length; i++) this.ring[(position + i) % size] = table[bytes[i]!]!;
    return true;
  }

  /** The first of `count` samples at `position` the ring can take (those before the floor are late), or -1. */
  private writableFrom(position: number, count: number): number {
    if (position + count <= this.floor) {
      this.late++;
      return -1;
    }
    if (position + count > this.floor + this.ring.length) {
      this.tooEarly++;
      return -1;
    }
    return position < this.floor ? this.floor - position : 0;
  }

  /** The sample at `position` (-1..1), silence where the ring does not hold it. */
  at(position: number): number {
    if (position < this.floor || position >= this.floor + this.ring.length) return 0;
    return this.ring[position % this.ring.length]! / 32768;
  }

  /** Every reader is past `position`: the slots before it are cleared for reuse. */
  release(position: number): void {
    const to = Math.min(position, this.floor + this.ring.length);
    const size = this.ring.length;
    for (let p = this.floor; p < to; p++) this.ring[p % size] = 0;
    if (position > this.floor) this.floor = position;
  }
}

/**
 * Renders a timeline at an output rate, one block after another: linear interpolation up (8 kHz
 * to 16 or 22.05 kHz), a [1 2 1] low-pass before halving (G.722's 16 kHz to 8 kHz).
 */
export class TimelineReader {
  /** the next output frame */
  frame = 0;
  private readonly step: number;

  constructor(
    private readonly timeline: SampleTimeline,
    private readonly outputRate: number,
  ) {
    this.step = timeline.sampleRate / outputRate;
  }

  /** The timeline position this reader still needs (everything before it may be released). */
  get position(): number {
    return Math.floor(this.frame * this.step) - 1;
  }

  render(out: Float32Array, offset: number, frames: number): void {
    const { timeline, step } = this;
    if (step === 1) {
      for (let i = 0; i < frames; i++) out[offset + i] = timeline.at(this.frame + i);
    } else if (step === 2) {
      for (let i = 0; i < frames; i++) {
        const p = 2 * (this.frame + i);
        out[offset + i] = 0.25 * timeline.at(p - 1) + 0.5 * timeline.at(p) + 0.25 * timeline.at(p + 1);
      }
    } else {
      for (let i = 0; i < frames; i++) {
        const exact = (this.frame + i) * step;
        const p = Math.floor(exact);
        const t = exact - p;
        out[offset + i] = (1 - t) * timeline.at(p) + t * timeline.at(p + 1);
      }
    }
    this.frame += frames;
  }
}
