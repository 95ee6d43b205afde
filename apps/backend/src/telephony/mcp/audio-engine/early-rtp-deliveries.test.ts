import { describe, expect, it } from 'vitest';
import { EarlyRtpDeliveries } from './early-rtp-deliveries.ts';

describe('EarlyRtpDeliveries', () => {
  it('hands over what came before the start, in order, once', () => {
    const early = new EarlyRtpDeliveries();
    const seen: string[] = [];
    early.keep(7, () => seen.push('sender'));
    early.keep(7, () => seen.push('datagram 1'));
    early.keep(8, () => seen.push('other capture'));
    early.keep(7, () => seen.push('datagram 2'));
    early.started(7);
    early.started(7);
    expect(seen).toEqual(['sender', 'datagram 1', 'datagram 2']);
    expect(early.size).toBe(1);
  });

  it('drops what waited too long (a capture that never starts here)', () => {
    const early = new EarlyRtpDeliveries(5000);
    const seen: string[] = [];
    early.keep(1, () => seen.push('old'), 1000);
    early.keep(2, () => seen.push('recent'), 5000);
    early.expire(6500);
    early.started(1);
    early.started(2);
    expect(seen).toEqual(['recent']);
  });
});
