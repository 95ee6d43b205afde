import { PartyVoice, seededRandom } from './party-voice.ts';

/**
 * The audio of a two-party call: agent and customer take turns (1 to 4 s each, with short gaps),
 * the way a conversation sounds on a recorder. Produces interleaved float frames: stereo puts
 * the agent on the left and the customer on the right; mono mixes both.
 */
export class Conversation {
  private readonly agent: PartyVoice;
  private readonly customer: PartyVoice;
  private readonly random: () => number;
  private speaker: 'agent' | 'customer' | 'none' = 'agent';
  private turnLeft: number;

  constructor(
    private readonly sampleRate: number,
    private readonly channels: 1 | 2,
    seed: number,
  ) {
    this.random = seededRandom(seed ^ 0x5bd1e995);
    this.agent = new PartyVoice({ sampleRate, seed: seed + 1, pitchHz: 190 + 30 * this.random() });
    this.customer = new PartyVoice({ sampleRate, seed: seed + 2, pitchHz: 105 + 25 * this.random() });
    this.turnLeft = this.turnLength();
  }

  /** Fills `frames` sample frames (of `channels` samples each) into `out`. */
  render(out: Float32Array, frames: number): void {
    let done = 0;
    while (done < frames) {
      const n = Math.min(frames - done, this.turnLeft);
      this.renderTurn(out, done, n);
      done += n;
      this.turnLeft -= n;
      if (this.turnLeft === 0) this.nextTurn();
    }
  }

  private renderTurn(out: Float32Array, frameOffset: number, frames: number): void {
    if (this.channels === 2) {
      const left = frameOffset * 2;
      if (this.speaker === 'agent') this.agent.speak(out, left, frames, 2, 0.5);
      else this.agent.listen(out, left, frames, 2);
      if (this.speaker === 'customer') this.customer.speak(out, left + 1, frames, 2, 0.5);
      else this.customer.listen(out, left + 1, frames, 2);
      return;
    }
    const voice = this.speaker === 'agent' ? this.agent : this.customer;
    if (this.speaker === 'none') voice.listen(out, frameOffset, frames, 1);
    else voice.speak(out, frameOffset, frames, 1, 0.5);
  }

  private nextTurn(): void {
    if (this.speaker === 'none') {
      this.speaker = this.random() < 0.5 ? 'agent' : 'customer';
    } else {
      this.speaker = 'none';
    }
    this.turnLeft = this.turnLength();
  }

  private turnLength(): number {
    const seconds = this.speaker === 'none' ? 0.2 + 0.5 * this.random() : 1 + 3 * this.random();
    return Math.max(1, Math.round(seconds * this.sampleRate));
  }
}
