import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { aLawEncode, muLawEncode } from '../../platform/media/rtp/g711.ts';
import { rtpDatagram, type RtpPacket } from '../../platform/media/rtp/rtp-packet.ts';
import { telephoneEventPayload } from '../../platform/media/rtp/telephone-event.ts';

export type G711Codec = 'PCMU' | 'PCMA';

/** RFC 3551 static payload types. */
export const g711PayloadType: Record<G711Codec, number> = { PCMU: 0, PCMA: 8 };

/** G.711's RTP clock: one timestamp unit per 8 kHz sample. */
const clockRate = 8000;

/** How long each key is held and the pause after it, as a telephone sends them. */
export const digitToneMs = 100;
export const digitGapMs = 100;
/** RFC 4733 section 2.5.1.4: the final packet of an event is sent three times. */
const endPacketCopies = 3;

export interface RtpStreamPlan {
  codec: G711Codec;
  /** 8 kHz audio; played in a loop, silence when empty */
  audio: Int16Array;
  /** RFC 4733 events: the keys are sent one after the other from `startMs` (in place of the audio) */
  digits?: { keys: string; startMs: number; payloadType: number };
  /** puts one packet on the wire */
  transmit(packet: Buffer): void;
}

export interface RtpSenderOptions {
  streams: RtpStreamPlan[];
  ptimeMs?: number;
  /**
   * At most this many overdue packets per stream are sent at once after the event loop was held
   * up; older ones are dropped as lost (their timestamps stay unused), so a long stall does not
   * become a burst a receiver's jitter buffer would overflow on.
   */
  maxCatchUpPackets?: number;
}

interface ScheduledEvent {
  digit: string;
  firstTick: number;
  ticks: number;
}

/**
 * The audio of each plan encoded once: many calls from one process (a benchmark) share the same
 * audio, and copying 160 bytes per packet costs far less than companding 160 samples.
 */
const encodedAudioCache = new WeakMap<Int16Array, Map<G711Codec, Buffer>>();

function encodedAudio(audio: Int16Array, codec: G711Codec): Buffer {
  let byCodec = encodedAudioCache.get(audio);
  if (!byCodec) encodedAudioCache.set(audio, (byCodec = new Map()));
  let encoded = byCodec.get(codec);
  if (!encoded) {
    const encode = codec === 'PCMU' ? muLawEncode : aLawEncode;
    encoded = Buffer.allocUnsafe(audio.length);
    for (let i = 0; i < audio.length; i++) encoded[i] = encode(audio[i]!);
    byCodec.set(codec, encoded);
  }
  return encoded;
}

interface StreamState {
  plan: RtpStreamPlan;
  payloadType: number;
  /** the plan's audio as G.711 bytes */
  encoded: Buffer;
  /** the G.711 byte of silence, for a plan without audio */
  silence: number;
  ssrc: number;
  sequence: number;
  timestampBase: number;
  events: ScheduledEvent[];
  enabled: boolean;
  sent: number;
}

function random32(): number {
  return randomBytes(4).readUInt32BE(0);
}

/**
 * Sends the streams of one call, one packet per stream every ptime, against the monotonic clock:
 * packet N is due at start + N * ptime, so timer lateness never accumulates into drift. The RTP
 * timestamp follows the clock too (N * samples per packet from a random base), also across a pause:
 * as real SRCs do, a pause leaves a gap in the timestamps as long as the pause, while the sequence
 * numbers go on without a gap, and the first packet after it carries the marker bit. The audio
 * also follows the clock, so what was said during a pause is not heard later.
 */
export class RtpSender {
  private readonly ptimeMs: number;
  private readonly samplesPerPacket: number;
  private readonly maxCatchUp: number;
  private readonly streams: StreamState[];
  private startedAt = 0;
  private nextTick = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private markerPending = true;
  /** ticks dropped because the event loop was held up for longer than `maxCatchUpPackets` */
  droppedTicks = 0;

  constructor(options: RtpSenderOptions) {
    this.ptimeMs = options.ptimeMs ?? 20;
    this.samplesPerPacket = (clockRate * this.ptimeMs) / 1000;
    this.maxCatchUp = options.maxCatchUpPackets ?? 10;
    this.streams = options.streams.map((plan) => ({
      plan,
      payloadType: g711PayloadType[plan.codec],
      encoded: encodedAudio(plan.audio, plan.codec),
      silence: plan.codec === 'PCMU' ? muLawEncode(0) : aLawEncode(0),
      ssrc: random32(),
      sequence: random32() & 0xffff,
      timestampBase: random32(),
      events: this.scheduleDigits(plan.digits),
      enabled: true,
      sent: 0,
    }));
  }

  private scheduleDigits(digits: RtpStreamPlan['digits']): ScheduledEvent[] {
    if (!digits) return [];
    const toneTicks = Math.max(1, Math.round(digitToneMs / this.ptimeMs));
    const stepTicks = toneTicks + Math.max(1, Math.round(digitGapMs / this.ptimeMs));
    const firstTick = Math.round(digits.startMs / this.ptimeMs);
    return [...digits.keys.toUpperCase()].map((digit, index) => {
      if (!/^[0-9*#A-D]$/.test(digit)) throw new Error(`not a DTMF key: ${digit}`);
      return { digit, firstTick: firstTick + index * stepTicks, ticks: toneTicks };
    });
  }

  /** Packets put on the wire per stream so far. */
  get packetsSent(): number[] {
    return this.streams.map((s) => s.sent);
  }

  get ssrcs(): number[] {
    return this.streams.map((s) => s.ssrc);
  }

  /** A disabled stream sends nothing (say, one the answer refused with port 0); its clock runs on. */
  setStreamEnabled(index: number, enabled: boolean): void {
    const stream = this.streams[index];
    if (stream) stream.enabled = enabled;
  }

  /** Packet 0 of every stream goes out now. */
  start(): void {
    if (this.running) return;
    this.startedAt = performance.now();
    this.nextTick = 0;
    this.running = true;
    this.markerPending = true;
    this.run();
  }

  pause(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sending goes on from the next tick of the original grid. */
  resume(): void {
    if (this.running) return;
    this.running = true;
    this.markerPending = true;
    this.nextTick = Math.max(this.nextTick, Math.ceil((performance.now() - this.startedAt) / this.ptimeMs));
    this.schedule();
  }

  stop(): void {
    this.pause();
  }

  private schedule(): void {
    if (!this.running) return;
    const due = this.startedAt + this.nextTick * this.ptimeMs;
    // Node's timers have millisecond resolution and never fire early, so round up.
    this.timer = setTimeout(() => this.run(), Math.max(0, Math.ceil(due - performance.now())));
  }

  private run(): void {
    this.timer = undefined;
    if (!this.running) return;
    // A tick due within half a millisecond goes now: the next timer could not fire sooner anyway.
    const lastDue = Math.floor((performance.now() - this.startedAt + 0.5) / this.ptimeMs);
    const overdue = lastDue - this.nextTick + 1;
    if (overdue > this.maxCatchUp) {
      this.droppedTicks += overdue - this.maxCatchUp;
      this.nextTick += overdue - this.maxCatchUp;
    }
    while (this.nextTick <= lastDue) this.sendTick(this.nextTick++);
    this.schedule();
  }

  private sendTick(tick: number): void {
    const marker = this.markerPending;
    this.markerPending = false;
    for (const stream of this.streams) {
      if (!stream.enabled) continue;
      const event = stream.events.find((e) => tick >= e.firstTick && tick < e.firstTick + e.ticks);
      if (event && stream.plan.digits) this.sendEvent(stream, event, tick, stream.plan.digits.payloadType, marker);
      else this.sendAudio(stream, tick, marker);
    }
  }

  private send(stream: StreamState, header: Omit<RtpPacket, 'sequence' | 'ssrc' | 'payload'>, payload: Buffer): void {
    stream.plan.transmit(rtpDatagram({ ...header, sequence: stream.sequence, ssrc: stream.ssrc }, payload));
    stream.sequence = (stream.sequence + 1) & 0xffff;
    stream.sent++;
  }

  private sendAudio(stream: StreamState, tick: number, marker: boolean): void {
    const { encoded } = stream;
    const payload = Buffer.allocUnsafe(this.samplesPerPacket);
    const first = tick * this.samplesPerPacket;
    if (encoded.length === 0) payload.fill(stream.silence);
    // The audio loops: a packet may take its end and its start.
    for (let filled = 0; filled < payload.length && encoded.length > 0;) {
      const from = (first + filled) % encoded.length;
      filled += encoded.copy(payload, filled, from, Math.min(encoded.length, from + payload.length - filled));
    }
    const timestamp = stream.timestampBase + first;
    this.send(stream, { payloadType: stream.payloadType, marker, timestamp }, payload);
  }

  /**
   * One packet per ptime while the key is held, all with the event's start timestamp and a
   * growing duration; the last one has the end bit and goes out three times back to back (as
   * Asterisk does), with the same timestamp and duration and new sequence numbers.
   */
  private sendEvent(
    stream: StreamState,
    event: ScheduledEvent,
    tick: number,
    payloadType: number,
    marker: boolean,
  ): void {
    const timestamp = stream.timestampBase + event.firstTick * this.samplesPerPacket;
    const duration = (tick - event.firstTick + 1) * this.samplesPerPacket;
    const end = tick === event.firstTick + event.ticks - 1;
    const eventMarker = marker || tick === event.firstTick;
    for (let copy = 0; copy < (end ? endPacketCopies : 1); copy++) {
      const payload = telephoneEventPayload(event.digit, end, duration);
      this.send(stream, { payloadType, marker: eventMarker && copy === 0, timestamp }, payload);
    }
  }
}
