import { describe, expect, it } from 'vitest';
import { formatClock, formatSeconds } from './time-format.ts';

describe('time formats', () => {
  it('shows positions as m:ss, h:mm:ss beyond an hour', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65.9)).toBe('1:05');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(Number.NaN)).toBe('0:00');
  });

  it('shows analytics figures in seconds', () => {
    expect(formatSeconds(1234)).toBe('1.2 s');
  });
});
