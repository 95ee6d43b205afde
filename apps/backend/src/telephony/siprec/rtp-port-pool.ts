/**
 * The RTP ports a recorder hands out (VOX_RTP_PORTS): even ports, RTP on the even one (RTCP would
 * take the odd one above), a session's streams on consecutive even ports: stream 2 at stream 1's
 * port + 2, as SIPp's pcap replay and most SBCs expect. Blocks are handed out round the range, so a
 * port just freed is not reused at once (late packets of the old call would land in a new one).
 */
export class RtpPortPool {
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(
    readonly first: number,
    readonly last: number,
  ) {
    if (first % 2 !== 0) this.first = first + 1;
    this.cursor = this.first;
  }

  /** Sessions' worth of ports left (one stream each). */
  get free(): number {
    return Math.floor((this.last - this.first) / 2) + 1 - this.used.size;
  }

  /** The first port of `streams` consecutive free even ports, or undefined when the range is full. */
  allocate(streams: number, avoid: ReadonlySet<number> = new Set()): number | undefined {
    const span = 2 * (streams - 1);
    const slots = Math.floor((this.last - this.first) / 2) + 1;
    for (let tried = 0; tried < slots; tried++) {
      const base = this.cursor;
      this.cursor = base + 2 + span > this.last ? this.first : base + 2;
      if (base + span > this.last) continue;
      let free = true;
      for (let port = base; port <= base + span; port += 2) {
        if (this.used.has(port) || avoid.has(port)) free = false;
      }
      if (!free) continue;
      for (let port = base; port <= base + span; port += 2) this.used.add(port);
      this.cursor = base + span + 2 > this.last ? this.first : base + span + 2;
      return base;
    }
    return undefined;
  }

  release(base: number, streams: number): void {
    for (let i = 0; i < streams; i++) this.used.delete(base + 2 * i);
  }
}

/** `40000-40999` -> its bounds; throws a sentence for anything else. */
export function parseRtpPortRange(text: string): { first: number; last: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1024 || last > 65535 || last - first < 3) {
    throw new Error(
      `VOX_RTP_PORTS must be a range such as 40000-40999 (1024-65535, at least two even ports), not ${text}`,
    );
  }
  return { first, last };
}
