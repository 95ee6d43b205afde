import { aLawDecodeTable, muLawDecodeTable } from '../../../platform/media/rtp/g711.ts';
import { G722Decoder } from '../../../platform/media/rtp/g722-decoder.ts';
import { parseRtpPacket } from '../../../platform/media/rtp/rtp-packet.ts';
import { RtpPlayoutClock, type RtpStreamStats } from '../../../platform/media/rtp/rtp-playout-clock.ts';
import { TelephoneEvents } from '../../../platform/media/rtp/telephone-event.ts';
import type { CallSide, RtpStreamReport, RtpStreamSpec } from '../../../platform/media/capture-engine.ts';
import { SampleTimeline, TimelineReader } from './sample-timeline.ts';

/** How much audio a stream's ring holds: the render delay, the MP3 lead and late packets fit easily. */
const timelineSeconds = 4;
/** A latched sender silent this long gives way to another source (an SBC failing over). */
const relatchAfterMs = 1000;

/** The codecs Vox decodes, with their audio rate (G.722's RTP clock is 8000 Hz, its audio 16 kHz). */
const codecRates = { PCMU: 8000, PCMA: 8000, G722: 16000 } as const;

/** One forked stream: the sender it latched on, its clock, decoder and timeline. */
class RtpLeg {
  readonly timeline: SampleTimeline;
  readonly clock = new RtpPlayoutClock(8000);
  private readonly events = new TelephoneEvents();
  private readonly g722: G722Decoder | undefined;
  private readonly scratch: Int16Array;
  /** the senders the receiver has heard, by the number it gives them */
  private readonly senders: string[] = [];
  private latched: number | undefined;
  private relatches = 0;
  private lastPacketAt = 0;
  foreignPackets = 0;
  undecodable = 0;

  constructor(
    readonly spec: RtpStreamSpec,
    private readonly startTime: number,
    private readonly onDigit: (side: CallSide, digit: string, atMs: number) => void,
  ) {
    this.timeline = new SampleTimeline(codecRates[spec.codec], timelineSeconds);
    this.g722 = spec.codec === 'G722' ? new G722Decoder() : undefined;
    this.scratch = new Int16Array(this.g722 ? 4096 : 0);
  }

  noteSender(sender: number, address: string, port: number): void {
    this.senders[sender] = `${address}:${port}`;
  }

  /** A datagram from sender number `sender`, read off the socket at `now` (epoch ms). */
  receive(datagram: Uint8Array, sender: number, now: number): void {
    if (!this.latch(sender, now)) return;
    const packet = parseRtpPacket(datagram);
    if (!packet) {
      this.undecodable++;
      return;
    }
    const { spec } = this;
    const isEvent = packet.payloadType === spec.telephoneEvent;
    if (!isEvent && packet.payloadType !== spec.payloadType) {
      // Comfort noise and codecs not negotiated: nothing to place, the gap stays silent.
      this.undecodable++;
      return;
    }
    const placedMs = this.clock.place(packet.ssrc, packet.sequence, packet.timestamp, now - this.startTime);
    if (placedMs === undefined) return;
    if (isEvent) {
      const digit = this.events.digitOf(packet.payload, packet.timestamp);
      if (digit) this.onDigit(spec.side, digit, placedMs);
      return;
    }
    const position = Math.round((placedMs * this.timeline.sampleRate) / 1000);
    if (this.g722) {
      const count = this.g722.decode(packet.payload, this.scratch, 0);
      this.timeline.write(position, this.scratch, count);
    } else {
      this.timeline.writeDecoded(position, packet.payload, spec.codec === 'PCMA' ? aLawDecodeTable : muLawDecodeTable);
    }
  }

  /** Takes packets from the first sender only, unless it has gone quiet and another has taken over. */
  private latch(sender: number, now: number): boolean {
    if (this.senders[sender] === undefined) {
      // one of too many senders to tell apart: never the one latched on
      this.foreignPackets++;
      return false;
    }
    const latched = this.latched;
    const same = latched === sender;
    if (latched !== undefined && !same) {
      if (now - this.lastPacketAt < relatchAfterMs) {
        this.foreignPackets++;
        return false;
      }
      this.relatches++;
    }
    if (!same) this.latched = sender;
    this.lastPacketAt = now;
    return true;
  }

  report(): RtpStreamReport {
    const stats: RtpStreamStats = { ...this.clock.stats };
    return {
      side: this.spec.side,
      port: this.spec.port,
      codec: this.spec.codec,
      ...(this.latched !== undefined ? { source: this.senders[this.latched] } : {}),
      ...stats,
      relatches: this.relatches,
      late: this.timeline.late,
      dropped: this.timeline.tooEarly + this.foreignPackets + this.undecodable,
    };
  }
}

/**
 * A recording's audio as the SRC forks it: one RTP stream per party, whose datagrams the RTP
 * receiver thread read and stamped, placed here by timestamp on the capture's timeline and read
 * by each output file at its own rate.
 */
export class RtpCallAudio {
  private readonly legs: RtpLeg[];
  private readers: Array<{ side: CallSide; reader: TimelineReader }> = [];

  constructor(
    streams: RtpStreamSpec[],
    startTime: number,
    onDigit: (side: CallSide, digit: string, atMs: number) => void,
  ) {
    this.legs = streams.map((spec) => new RtpLeg(spec, startTime, onDigit));
  }

  /** Stream `stream` (its index in the capture's list) heard a new sender. */
  noteSender(stream: number, sender: number, address: string, port: number): void {
    this.legs[stream]?.noteSender(sender, address, port);
  }

  /** A datagram of stream `stream`, as the receiver stamped it. */
  receive(stream: number, datagram: Uint8Array, sender: number, arrivedAt: number): void {
    this.legs[stream]?.receive(datagram, sender, arrivedAt);
  }

  /**
   * Renders planar frames at `sampleRate`, as Conversation does: with two channels the agent
   * left and the customer right, with one (the same array twice) both mixed.
   */
  partyAudio(sampleRate: number): {
    render(agent: Float32Array, customer: Float32Array, offset: number, frames: number): void;
  } {
    const readerOf = (side: CallSide) => {
      const leg = this.legs.find((l) => l.spec.side === side);
      if (!leg) return undefined;
      const reader = new TimelineReader(leg.timeline, sampleRate);
      this.readers.push({ side, reader });
      return reader;
    };
    const agent = readerOf('agent');
    const customer = readerOf('customer');
    let mix = new Float32Array(0);
    return {
      render(agentOut, customerOut, offset, frames) {
        if (agentOut !== customerOut) {
          if (agent) agent.render(agentOut, offset, frames);
          else agentOut.fill(0, offset, offset + frames);
          if (customer) customer.render(customerOut, offset, frames);
          else customerOut.fill(0, offset, offset + frames);
          return;
        }
        if (mix.length < frames) mix = new Float32Array(frames);
        if (agent) agent.render(agentOut, offset, frames);
        else agentOut.fill(0, offset, offset + frames);
        if (!customer) return;
        customer.render(mix, 0, frames);
        for (let i = 0; i < frames; i++) {
          agentOut[offset + i] = Math.max(-1, Math.min(1, agentOut[offset + i]! + mix[i]!));
        }
      },
    };
  }

  /** Clears what every reader has rendered. */
  release(): void {
    for (const leg of this.legs) {
      const positions = this.readers.filter((r) => r.side === leg.spec.side).map((r) => r.reader.position);
      if (positions.length > 0) leg.timeline.release(Math.min(...positions));
    }
  }

  report(): RtpStreamReport[] {
    return this.legs.map((leg) => leg.report());
  }

  close(): void {
    this.legs.length = 0;
    this.readers = [];
  }
}
