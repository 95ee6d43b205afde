import type { User } from '@vox/shared';
import type { StoredMedia } from './recording-store.ts';

/** What every media read asks: is this session live, and may its user see this stored object? */
export interface MediaReadCheck {
  tokenHash: string;
  recordingId: string;
  mediaId: string;
}

/** undefined: no live session; `media` undefined: no such object, or not for this user */
export type MediaReadAnswer = { user: User; media: StoredMedia | undefined } | undefined;

interface Waiting {
  check: MediaReadCheck;
  answer: (answer: MediaReadAnswer) => void;
  fail: (error: unknown) => void;
}

/**
 * The checks of the media reads that arrive in one turn of the event loop, answered by one query:
 * with many players seeking at once, the database round trip was most of what a read cost. Each
 * check is still sent after its request arrived, so a logout or a withdrawn right committed
 * before a request is seen by that request's check; nothing is remembered between turns.
 */
export class MediaReadChecks {
  private waiting: Waiting[] = [];

  constructor(
    /** answers the checks in order, one answer per check */
    private readonly ask: (checks: MediaReadCheck[]) => Promise<MediaReadAnswer[]>,
    private readonly maxPerQuery = 100,
  ) {}

  check(check: MediaReadCheck): Promise<MediaReadAnswer> {
    return new Promise((answer, fail) => {
      this.waiting.push({ check, answer, fail });
      if (this.waiting.length === 1) setImmediate(() => void this.askWaiting());
      else if (this.waiting.length >= this.maxPerQuery) void this.askWaiting();
    });
  }

  private async askWaiting(): Promise<void> {
    const asked = this.waiting;
    if (asked.length === 0) return;
    this.waiting = [];
    try {
      const answers = await this.ask(asked.map((w) => w.check));
      asked.forEach((w, i) => w.answer(answers[i]));
    } catch (error) {
      for (const w of asked) w.fail(error);
    }
  }
}
