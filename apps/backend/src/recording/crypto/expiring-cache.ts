import { performance } from 'node:perf_hooks';

/**
 * A bounded map whose entries expire: an entry older than its time to live is never returned, and
 * when the map is full the least recently used entry goes. For what is costly to work out and may
 * be kept a short while (unwrapped data keys, opened media headers), never for an access decision.
 */
export class ExpiringCache<K, V> {
  /** Map keeps insertion order: a use moves an entry to the end, so the first is the least recently used. */
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private lastSweep: number;

  constructor(
    private readonly limits: { maxEntries: number; ttlMs: number },
    /** a monotonic clock: a wall clock set back would keep entries alive */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() >= entry.expiresAt) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    const now = this.now();
    // Expired entries nobody asks for again would stay until pushed out: a sweep per lifetime drops them.
    if (now - this.lastSweep >= this.limits.ttlMs) {
      this.lastSweep = now;
      for (const [k, entry] of this.entries) if (now >= entry.expiresAt) this.entries.delete(k);
    }
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.limits.ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
