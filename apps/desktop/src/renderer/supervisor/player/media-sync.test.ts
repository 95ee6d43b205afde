import { describe, expect, it } from 'vitest';
import { MediaSync, syncDecision, type SyncedMedia } from './media-sync.ts';

/** A media element's clock and events, moved by hand: seeks land when the test says so. */
class FakeMedia implements SyncedMedia {
  playbackRate = 1;
  muted = false;
  paused = true;
  seeking = false;
  private time = 0;
  private readonly handlers = new Map<string, Set<() => void>>();

  constructor(readonly duration: number) {}

  get currentTime(): number {
    return this.time;
  }

  set currentTime(value: number) {
    this.time = value;
    this.seeking = true;
    this.emit('seeking');
  }

  /** The seek finishes. */
  land(): void {
    this.seeking = false;
    this.emit('seeked');
  }

  /** Playback advances by `seconds` of wall time. */
  advance(seconds: number): void {
    if (!this.paused && !this.seeking) this.time += seconds * this.playbackRate;
  }

  play(): Promise<void> {
    this.paused = false;
    this.emit('play');
    return Promise.resolve();
  }

  pause(): void {
    this.paused = true;
    this.emit('pause');
  }

  addEventListener(type: string, listener: () => void): void {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.handlers.get(type)?.delete(listener);
  }

  dispatch(type: string): void {
    this.emit(type);
  }

  private emit(type: string): void {
    for (const listener of this.handlers.get(type) ?? []) listener();
  }
}

/** Lets the promise chains the controller started run to their end. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

const base = { videoDuration: 600, offset: 0, audioRate: 1, playing: true, correcting: false };

describe('the sync decision', () => {
  it('leaves a video within 50 ms alone while playing', () => {
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 10.04 })).toEqual({ videoRate: 1, correcting: false });
  });

  it('makes up a drift beyond 50 ms by rate, keeping on until it is under 15 ms', () => {
    const behind = syncDecision({ ...base, audioTime: 10, videoTime: 9.9 });
    expect(behind.seekTo).toBeUndefined();
    expect(behind.videoRate).toBeCloseTo(1.15);
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 10.2, audioRate: 2 }).videoRate).toBeCloseTo(1.5);
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 9.97, correcting: true }).correcting).toBe(true);
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 9.99, correcting: true })).toEqual({
      videoRate: 1,
      correcting: false,
    });
  });

  it('seeks the video beyond a second of drift, and whenever paused', () => {
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 12 }).seekTo).toBe(10);
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 10.02, playing: false }).seekTo).toBe(10);
    expect(syncDecision({ ...base, audioTime: 10, videoTime: 13, offset: 3, playing: false }).seekTo).toBeUndefined();
  });

  it('does nothing past the end of the screen recording', () => {
    expect(syncDecision({ ...base, audioTime: 700, videoTime: 600 })).toEqual({ videoRate: 1, correcting: false });
  });
});

describe('the synced player', () => {
  it('holds the audio during a seek until the video has landed, then plays both from there', async () => {
    const audio = new FakeMedia(600);
    const video = new FakeMedia(600);
    const sync = new MediaSync(audio, video, 0, 60_000);
    await sync.play();
    expect([audio.muted, video.muted]).toEqual([false, true]);
    audio.advance(5);
    video.advance(5);
    sync.seek(300);
    expect(audio.paused).toBe(true);
    expect(video.currentTime).toBe(300);
    audio.land();
    video.land();
    await settled();
    expect(audio.paused).toBe(false);
    expect(video.paused).toBe(false);
    expect(sync.drift()).toBe(0);
    sync.detach();
  });

  it('holds the audio while the video waits for data, and goes on from where the video is', async () => {
    const audio = new FakeMedia(600);
    const video = new FakeMedia(600);
    const sync = new MediaSync(audio, video, 0, 60_000);
    await sync.play();
    audio.advance(2);
    video.advance(2);
    video.dispatch('waiting');
    expect(audio.paused).toBe(true);
    video.dispatch('playing');
    await settled();
    expect(audio.paused).toBe(false);
    expect(sync.drift()).toBe(0);
    sync.detach();
  });

  it('follows a seek made on the video', () => {
    const audio = new FakeMedia(600);
    const video = new FakeMedia(600);
    const sync = new MediaSync(audio, video, 0, 60_000);
    sync.attach();
    video.currentTime = 42;
    expect(audio.currentTime).toBe(42);
    sync.detach();
  });

  it('plays both at the chosen speed and corrects a drifting video on its clock', async () => {
    const audio = new FakeMedia(600);
    const video = new FakeMedia(600);
    const sync = new MediaSync(audio, video, 0, 60_000);
    await sync.play();
    sync.setRate(1.5);
    expect([audio.playbackRate, video.playbackRate]).toEqual([1.5, 1.5]);
    // The video stalls for 200 ms: the next tick speeds it up, and it catches up.
    audio.advance(0.2);
    sync.tick();
    expect(video.playbackRate).toBeGreaterThan(1.5);
    for (let i = 0; i < 40; i++) {
      audio.advance(0.1);
      video.advance(0.1);
      sync.tick();
    }
    expect(Math.abs(sync.drift() ?? 1)).toBeLessThan(0.015);
    expect(video.playbackRate).toBe(1.5);
    sync.pause();
    expect(video.paused).toBe(true);
    sync.detach();
  });
});
