/**
 * What the RTP receiver delivers for a capture this worker has not started yet. The engine tells
 * the worker to start a capture and the receiver to open its sockets at the same moment, but on
 * two channels: a worker busy encoding may read the receiver's first datagrams before its own
 * start message. They wait here, in order, until the start, and are dropped after `keepMs` (a
 * capture that never starts here, or one stopped already).
 */
export class EarlyRtpDeliveries {
  private readonly waiting = new Map<number, { since: number; deliveries: Array<() => void> }>();

  constructor(private readonly keepMs = 5000) {}

  /** Keeps `delivery` for capture `id`; it must own what it refers to (no views into a batch). */
  keep(id: number, delivery: () => void, now = Date.now()): void {
    let entry = this.waiting.get(id);
    if (!entry) {
      entry = { since: now, deliveries: [] };
      this.waiting.set(id, entry);
    }
    entry.deliveries.push(delivery);
  }

  /** Runs what waited for capture `id`, in the order it came. */
  started(id: number): void {
    const entry = this.waiting.get(id);
    this.waiting.delete(id);
    for (const delivery of entry?.deliveries ?? []) delivery();
  }

  /** Drops what has waited longer than `keepMs`. */
  expire(now = Date.now()): void {
    for (const [id, entry] of this.waiting) {
      if (now - entry.since > this.keepMs) this.waiting.delete(id);
    }
  }

  get size(): number {
    return this.waiting.size;
  }
}
