const digits = '0123456789*#ABCD';

/**
 * RFC 4733 telephone-events of one stream, one digit per event: a sender repeats an event's
 * packets while the key is held and sends its end packet three times, all with the event's
 * timestamp, so a new event is a new timestamp (or a new event code at the same timestamp).
 */
export class TelephoneEvents {
  private lastTimestamp: number | undefined;
  private lastEvent = -1;

  /** The digit this packet starts, or undefined when it continues one already heard (or is not a digit). */
  digitOf(payload: Uint8Array, timestamp: number): string | undefined {
    if (payload.length < 4) return undefined;
    const event = payload[0]!;
    if (timestamp === this.lastTimestamp && event === this.lastEvent) return undefined;
    this.lastTimestamp = timestamp;
    this.lastEvent = event;
    return digits[event];
  }
}

/** The RFC 4733 payload of a digit: for senders and tests. */
export function telephoneEventPayload(digit: string, end: boolean, durationTicks: number, volume = 10): Buffer {
  const event = digits.indexOf(digit);
  if (event < 0) throw new Error(`${digit} is not a DTMF digit`);
  const payload = Buffer.alloc(4);
  payload[0] = event;
  payload[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  payload.writeUInt16BE(Math.min(0xffff, durationTicks), 2);
  return payload;
}
