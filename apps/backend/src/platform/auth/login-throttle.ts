/** How many failed logins a username, and an address, may have in a window before they wait. */
export interface LoginThrottleLimits {
  perUsername: number;
  perAddress: number;
  windowMs: number;
}

export const defaultLoginThrottleLimits: LoginThrottleLimits = {
  perUsername: 5,
  perAddress: 20,
  windowMs: 15 * 60_000,
};

interface Failures {
  count: number;
  /** when the window that started with the first failure ends */
  resetAt: number;
}

/**
 * Failed logins counted per username (guessing one account's password) and per client address
 * (trying many accounts): past a limit, further attempts wait until the window ends, whatever
 * the password. A success clears its username's count.
 */
export class LoginThrottle {
  private readonly byUsername = new Map<string, Failures>();
  private readonly byAddress = new Map<string, Failures>();

  constructor(
    private readonly limits: LoginThrottleLimits = defaultLoginThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long the attempt must wait (ms), or undefined when it may go ahead. */
  waitFor(username: string, address: string): number | undefined {
    const now = this.now();
    const waits = [
      this.blocked(this.byUsername, username.toLowerCase(), this.limits.perUsername, now),
      this.blocked(this.byAddress, address, this.limits.perAddress, now),
    ].filter((w): w is number => w !== undefined);
    return waits.length > 0 ? Math.max(...waits) : undefined;
  }

  failed(username: string, address: string): void {
    const now = this.now();
    this.count(this.byUsername, username.toLowerCase(), now);
    this.count(this.byAddress, address, now);
  }

  succeeded(username: string): void {
    this.byUsername.delete(username.toLowerCase());
  }

  private blocked(map: Map<string, Failures>, key: string, limit: number, now: number): number | undefined {
    const failures = map.get(key);
    if (!failures) return undefined;
    if (failures.resetAt <= now) {
      map.delete(key);
      return undefined;
    }
    return failures.count >= limit ? failures.resetAt - now : undefined;
  }

  private count(map: Map<string, Failures>, key: string, now: number): void {
    const failures = map.get(key);
    if (failures && failures.resetAt > now) failures.count++;
    else map.set(key, { count: 1, resetAt: now + this.limits.windowMs });
    // Keys whose window ended are dropped now and then, so guessing random names grows nothing.
    if (map.size > 10_000) for (const [k, f] of map) if (f.resetAt <= now) map.delete(k);
  }
}
