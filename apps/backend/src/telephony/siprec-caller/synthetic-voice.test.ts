import { describe, expect, it } from 'vitest';
import { syntheticCallAudio } from './synthetic-voice.ts';

describe('syntheticCallAudio', () => {
  it('gives the customer and the agent voices of their own that take turns every 2.5 s', () => {
    const [customer, agent] = syntheticCallAudio();
    expect([customer.length, agent.length]).toEqual([80000, 80000]);
    const level = (samples: Int16Array, fromS: number, toS: number) => {
      let sum = 0;
      for (let i = fromS * 8000; i < toS * 8000; i++) sum += samples[i]! ** 2;
      return Math.sqrt(sum / ((toS - fromS) * 8000));
    };
    for (const [speaker, listener] of [
      [customer, agent],
      [agent, customer],
    ] as const) {
      const turn = speaker === customer ? 0 : 2.5;
      expect(level(speaker, turn, turn + 2.2)).toBeGreaterThan(1500);
      expect(level(listener, turn, turn + 2.2)).toBeLessThan(30);
      expect(level(listener, turn, turn + 2.2)).toBeGreaterThan(0);
    }
    // The customer's voice is the lower: its pitch period is longer.
    const period = (samples: Int16Array, fromS: number) => {
      let best = 0;
      let bestLag = 0;
      for (let lag = 20; lag < 100; lag++) {
        let sum = 0;
        for (let i = fromS * 8000; i < fromS * 8000 + 800; i++) sum += samples[i]! * samples[i + lag]!;
        if (sum > best) [best, bestLag] = [sum, lag];
      }
      return bestLag;
    };
    expect(period(customer, 0.1)).toBeGreaterThan(60);
    expect(period(agent, 2.6)).toBeLessThan(45);
  });
});
