/** What a stream's clock saw, for the recording's metadata and the benchmark. */
export interface RtpStreamStats {
  packets: number;
  /** packets the sender sent that never arrived (RFC 3550 appendix A.3: expected minus received) */
  lost: number;
  duplicates: number;
  /** the sender's SSRC changed (a new source: an SBC failover, a re-INVITE) */
  ssrcChanges: number;
  /** the timestamps stopped matching the wall clock (a pause with frozen timestamps, a jump) */
  reanchors: number;
  /** the most a packet was placed away from its arrival time, in ms */
  maxPlacementMs: number;
  /** packets placed more than 20 ms away from their arrival time */
  placedOver20Ms: number;
}

/**
 * A packet that came this much later than its timestamp says is not jitter: the timeline moves.
 * Less than the 500 ms a recording is rendered behind real time (minus an MP3 output's lead), so
 * a media worker busy for a few hundred ms receives late but still places by timestamp.
 */
const lateResyncMs = 300;
/** The sender's clock is checked against ours over windows this long. */
const driftWindowMs = 2000;
/** Drift is corrected once the earliest arrival of a window is this late. */
const driftToleranceMs = 10;
/**
 * The most the anchor follows a slow sender in one window: 0.25% of it, more than any sender's
 * crystal drifts (0.01% is typical). A window whose packets all came late for another reason (a
 * media worker busy encoding for a while stamps every arrival late) then moves the audio by a few
 * ms, not by the whole delay; the first timely packet sets the anchor back at once.
 */
const maxDriftStepMs = driftWindowMs * 0.0025;
const duplicateWindow = 1024;

/**
 * Places one RTP stream's packets on the recording's timeline (ms since the capture started) by
 * their timestamps, anchored to arrival times: the earliest arrival relative to the timestamps
 * sets the anchor, so jitter never moves audio later than it was sent and both legs of a call,
 * each anchored to the same wall clock, stay aligned. Sequence and timestamp wrap-around, SSRC
 * changes, timestamps frozen or jumping across a pause, silence suppression and slow drift of the
 * sender's clock are each handled by re-anchoring where the timestamps stop telling the truth.
 */
export class RtpPlayoutClock {
  readonly stats: RtpStreamStats = {
    packets: 0,
    lost: 0,
    duplicates: 0,
    ssrcChanges: 0,
    reanchors: 0,
    maxPlacementMs: 0,
    placedOver20Ms: 0,
  };

  private ssrc: number | undefined;
  private lastTimestamp = 0;
  /** the timestamp unwrapped since the SSRC's first packet, in clock ticks */
  private extendedTimestamp = 0;
  /** arrival minus timestamp time, in ms: where timestamp 0 of this SSRC sits on the timeline */
  private offsetMs = 0;
  private windowStart = 0;
  private windowMin = Infinity;
  /** RFC 3550 sequence accounting, per SSRC */
  private baseSequence = 0;
  private extendedSequence = 0;
  private received = 0;
  private lostBefore = 0;
  /** recent packets' extended sequence numbers and timestamps, by sequence modulo the window */
  private readonly seenSequence = new Float64Array(duplicateWindow).fill(-1);
  private readonly seenTimestamp = new Float64Array(duplicateWindow).fill(-1);

  constructor(private readonly clockRate: number) {}

  /**
   * Where the packet's first sample goes, in ms since the capture started; undefined for a
   * duplicate. `arrivalMs` is when it arrived, on the same timeline.
   */
  place(ssrc: number, sequence: number, timestamp: number, arrivalMs: number): number | undefined {
    if (ssrc !== this.ssrc) {
      if (this.ssrc !== undefined) this.stats.ssrcChanges++;
      this.startSource(ssrc, sequence, timestamp, arrivalMs);
    } else if (!this.countSequence(sequence, timestamp)) {
      this.stats.duplicates++;
      return undefined;
    } else {
      this.extendedTimestamp += (timestamp - this.lastTimestamp) | 0;
      this.lastTimestamp = timestamp;
    }
    this.stats.packets++;
    const timestampMs = (this.extendedTimestamp * 1000) / this.clockRate;
    const lateness = arrivalMs - timestampMs;
    if (lateness > this.offsetMs + lateResyncMs || lateness < this.offsetMs - 1000) {
      this.stats.reanchors++;
      this.offsetMs = lateness;
      this.resetWindow(arrivalMs);
    } else if (lateness < this.offsetMs) {
      this.offsetMs = lateness;
    }
    this.followDrift(lateness, arrivalMs);
    const placedMs = timestampMs + this.offsetMs;
    const away = Math.abs(arrivalMs - placedMs);
    if (away > this.stats.maxPlacementMs) this.stats.maxPlacementMs = away;
    if (away > 20) this.stats.placedOver20Ms++;
    return placedMs;
  }

  private startSource(ssrc: number, sequence: number, timestamp: number, arrivalMs: number): void {
    this.lostBefore += this.lostOfSource();
    this.ssrc = ssrc;
    this.lastTimestamp = timestamp;
    this.extendedTimestamp = 0;
    this.offsetMs = arrivalMs;
    this.baseSequence = sequence;
    this.extendedSequence = sequence;
    this.received = 1;
    this.seenSequence.fill(-1);
    this.seenSequence[sequence % duplicateWindow] = sequence;
    this.seenTimestamp[sequence % duplicateWindow] = timestamp;
    this.resetWindow(arrivalMs);
    this.stats.lost = this.lostBefore;
  }

  /**
   * Counts a packet of the current source; false for a duplicate. A repeated sequence number with
   * another timestamp is not a duplicate: some senders restart their numbering after a pause.
   */
  private countSequence(sequence: number, timestamp: number): boolean {
    // The sequence nearest to the highest seen, across the 16-bit wrap.
    const delta = ((sequence - this.extendedSequence + 0x8000) & 0xffff) - 0x8000;
    const extended = this.extendedSequence + delta;
    const slot = ((extended % duplicateWindow) + duplicateWindow) % duplicateWindow;
    if (this.seenSequence[slot] === extended && this.seenTimestamp[slot] === timestamp) return false;
    this.seenSequence[slot] = extended;
    this.seenTimestamp[slot] = timestamp;
    if (extended > this.extendedSequence) this.extendedSequence = extended;
    this.received++;
    this.stats.lost = this.lostBefore + this.lostOfSource();
    return true;
  }

  private lostOfSource(): number {
    if (this.ssrc === undefined) return 0;
    return Math.max(0, this.extendedSequence - this.baseSequence + 1 - this.received);
  }

  /**
   * A sender whose clock runs slow shows up as arrivals drifting later: once the earliest arrival
   * of a window is later than the anchor, the anchor follows. (A fast clock moves the anchor
   * earlier at once, in place().)
   */
  private followDrift(lateness: number, arrivalMs: number): void {
    if (lateness < this.windowMin) this.windowMin = lateness;
    if (arrivalMs - this.windowStart < driftWindowMs) return;
    if (this.windowMin > this.offsetMs + driftToleranceMs) {
      this.offsetMs = Math.min(this.windowMin, this.offsetMs + maxDriftStepMs);
    }
    this.resetWindow(arrivalMs);
  }

  private resetWindow(arrivalMs: number): void {
    this.windowStart = arrivalMs;
    this.windowMin = Infinity;
  }
}
