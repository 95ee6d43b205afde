import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  const limits = { perUsername: 3, perAddress: 5, windowMs: 60_000 };

  it('makes a username wait after its failures, until the window ends', () => {
    let now = 0;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.waitFor('Agent1', '10.0.0.1')).toBeUndefined();
      throttle.failed('agent1', `10.0.0.${i}`);
    }
    expect(throttle.waitFor('AGENT1', '10.0.0.9')).toBe(60_000);
    now = 59_000;
    expect(throttle.waitFor('agent1', '10.0.0.9')).toBe(1_000);
    now = 60_000;
    expect(throttle.waitFor('agent1', '10.0.0.9')).toBeUndefined();
  });

  it('makes an address wait after failures across many usernames', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    for (let i = 0; i < 5; i++) throttle.failed(`user${i}`, '10.0.0.1');
    expect(throttle.waitFor('someone-else', '10.0.0.1')).toBe(60_000);
    expect(throttle.waitFor('someone-else', '10.0.0.2')).toBeUndefined();
  });

  it('clears a username’s failures when it logs in', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    throttle.failed('agent1', '10.0.0.1');
    throttle.failed('agent1', '10.0.0.1');
    throttle.succeeded('agent1');
    throttle.failed('agent1', '10.0.0.1');
    expect(throttle.waitFor('agent1', '10.0.0.2')).toBeUndefined();
  });
});
