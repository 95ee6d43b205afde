import { describe, expect, it } from 'vitest';
import { MediaReadChecks, type MediaReadAnswer, type MediaReadCheck } from './media-read-checks.ts';

/** Answers as the database would, from the check itself, and keeps each query's checks. */
function answering() {
  const queries: MediaReadCheck[][] = [];
  const ask = async (checks: MediaReadCheck[]): Promise<MediaReadAnswer[]> => {
    queries.push(checks);
    return checks.map((c) =>
      c.tokenHash === 'ended'
        ? undefined
        : { user: { id: c.tokenHash, username: c.tokenHash, role: 'admin' }, media: undefined },
    );
  };
  return { queries, ask };
}

const check = (tokenHash: string, mediaId = 'voice'): MediaReadCheck => ({ tokenHash, recordingId: 'r1', mediaId });

describe('MediaReadChecks', () => {
  it('answers the checks of one turn with one query, each with its own answer', async () => {
    const { queries, ask } = answering();
    const checks = new MediaReadChecks(ask);
    const answers = await Promise.all(['u1', 'ended', 'u3'].map((u) => checks.check(check(u))));
    expect(queries).toHaveLength(1);
    expect(answers.map((a) => a?.user.id)).toEqual(['u1', undefined, 'u3']);
  });

  it('never answers a check with a query sent before it was made', async () => {
    let release: () => void = () => {};
    const queries: MediaReadCheck[][] = [];
    const checks = new MediaReadChecks(async (asked) => {
      queries.push(asked);
      if (queries.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return asked.map(() => undefined);
    });
    const first = checks.check(check('u1'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(queries).toHaveLength(1);
    const second = checks.check(check('u2'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(queries.map((q) => q.map((c) => c.tokenHash))).toEqual([['u1'], ['u2']]);
    release();
    await Promise.all([first, second]);
  });

  it('sends at most maxPerQuery checks in one query', async () => {
    const { queries, ask } = answering();
    const checks = new MediaReadChecks(ask, 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => checks.check(check(`u${i}`))));
    expect(queries.map((q) => q.length)).toEqual([3, 3, 1]);
  });

  it('fails every check of a failed query, and the next ones are asked again', async () => {
    let failing = true;
    const checks = new MediaReadChecks(async (asked) => {
      if (failing) throw new Error('the database is unavailable');
      return asked.map(() => undefined);
    });
    const failed = await Promise.allSettled([checks.check(check('u1')), checks.check(check('u2'))]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    failing = false;
    await expect(checks.check(check('u1'))).resolves.toBeUndefined();
  });
});
