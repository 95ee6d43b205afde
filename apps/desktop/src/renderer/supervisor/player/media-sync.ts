/**
 * Keeps the screen video on the voice recording's clock. The audio element is the master: the
 * supervisor plays, pauses, seeks and changes speed through this controller, which drives the
 * audio and makes the video follow. A seek on the video (its own controls, a script) seeks both.
 *
 * While playing, a video that drifts more than `driftTolerance` is brought back by playing it a
 * little faster or slower (a hard seek would itself cost a few hundred ms of decoding and drift
 * again); beyond `hardSeekBeyond`, or when paused, it is seeked. A seek during playback holds the
 * audio until the video has landed, so both resume from the same instant.
 */

/** The part of HTMLMediaElement the controller uses, so it can be tested without a browser. */
export interface SyncedMedia {
  currentTime: number;
  playbackRate: number;
  muted: boolean;
  readonly paused: boolean;
  readonly seeking: boolean;
  readonly duration: number;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export const driftTolerance = 0.05;
export const hardSeekBeyond = 1;
/** Drift is corrected until it is under this, so the rate does not flap around the tolerance. */
const settledDrift = 0.015;
/** Seconds of drift made up per second of playback, at most a quarter of the speed. */
const catchUpGain = 1.5;
const maxRateNudge = 0.25;

export interface SyncDecision {
  /** seek the video to this time (seconds) */
  seekTo?: number;
  /** the video's playback rate from now on */
  videoRate: number;
  /** whether drift is being made up by rate */
  correcting: boolean;
}

/**
 * One step of the clock: what to do with the video given both clocks. `offset` is where the
 * audio's time zero is on the video (the voice file's start within the screen recording).
 */
export function syncDecision(state: {
  audioTime: number;
  videoTime: number;
  videoDuration: number;
  offset: number;
  audioRate: number;
  playing: boolean;
  correcting: boolean;
}): SyncDecision {
  const target = state.audioTime + state.offset;
  const steady = { videoRate: state.audioRate, correcting: false };
  // Past the end of the screen recording there is nothing to align.
  if (Number.isFinite(state.videoDuration) && target >= state.videoDuration) return steady;
  const drift = state.videoTime - target;
  if (!state.playing) return Math.abs(drift) > 0.001 ? { ...steady, seekTo: target } : steady;
  if (Math.abs(drift) > hardSeekBeyond) return { ...steady, seekTo: target };
  const outside = state.correcting ? Math.abs(drift) > settledDrift : Math.abs(drift) > driftTolerance;
  if (!outside) return steady;
  const nudge = Math.max(-maxRateNudge, Math.min(maxRateNudge, -drift * catchUpGain));
  return { videoRate: state.audioRate * (1 + nudge), correcting: true };
}

export class MediaSync {
  private correcting = false;
  private wantPlaying = false;
  /** the audio waits for the video to finish a seek */
  private holding = false;
  /** the time this controller last seeked the video to, to tell its own seeks from others' */
  private ownVideoSeek: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners: Array<[SyncedMedia, string, () => void]> = [];
  private readonly changed = new Set<() => void>();

  constructor(
    private readonly audio: SyncedMedia,
    private readonly video: SyncedMedia | undefined,
    private readonly offset = 0,
    private readonly checkEveryMs = 100,
  ) {}

  /** Starts listening to both elements; `detach()` stops, and `attach()` may be called again. */
  attach(): void {
    if (this.listeners.length > 0) return;
    const { audio, video } = this;
    this.listen(audio, 'ended', () => this.pause());
    this.listen(audio, 'play', () => this.notify());
    this.listen(audio, 'pause', () => this.notify());
    // The waveform seeks the audio element itself: the video follows.
    this.listen(audio, 'seeking', () => this.followAudio());
    if (video) {
      this.listen(video, 'seeking', () => this.onVideoSeeking());
      this.listen(video, 'seeked', () => this.onVideoSeeked());
      // The video ran out of data (fetching a range after a seek, a slow network): the audio waits for it.
      this.listen(video, 'waiting', () => this.onVideoWaiting());
      this.listen(video, 'playing', () => this.onVideoPlaying());
    }
  }

  detach(): void {
    this.stopClock();
    for (const [element, type, listener] of this.listeners) element.removeEventListener(type, listener);
    this.listeners.length = 0;
  }

  get playing(): boolean {
    return this.wantPlaying;
  }

  get rate(): number {
    return this.audio.playbackRate;
  }

  /** Called whenever play state or rate changes (for the view's buttons). */
  onChange(listener: () => void): () => void {
    this.changed.add(listener);
    return () => this.changed.delete(listener);
  }

  async play(): Promise<void> {
    this.attach();
    // The screen recording carries the call audio too: the voice file plays it, once.
    if (this.video) this.video.muted = true;
    this.wantPlaying = true;
    this.startClock();
    if (this.video?.seeking) {
      this.holding = true;
      this.notify();
      return;
    }
    await this.playBoth();
    this.notify();
  }

  pause(): void {
    this.wantPlaying = false;
    this.holding = false;
    this.audio.pause();
    this.video?.pause();
    this.stopClock();
    this.align();
    this.notify();
  }

  toggle(): Promise<void> {
    if (this.wantPlaying) {
      this.pause();
      return Promise.resolve();
    }
    return this.play();
  }

  /** Seeks both, to `time` seconds of the voice recording (clamped to it). */
  seek(time: number): void {
    const duration = Number.isFinite(this.audio.duration) ? this.audio.duration : Infinity;
    this.audio.currentTime = Math.max(0, Math.min(time, duration));
    this.followAudio();
  }

  seekBy(seconds: number): void {
    this.seek(this.audio.currentTime + seconds);
  }

  setRate(rate: number): void {
    this.audio.playbackRate = rate;
    if (this.video) this.video.playbackRate = rate;
    this.correcting = false;
    this.notify();
  }

  /** How far the video is from the audio now, in seconds (positive: the video is ahead). */
  drift(): number | undefined {
    if (!this.video) return undefined;
    return this.video.currentTime - (this.audio.currentTime + this.offset);
  }

  /** One tick of the clock: exposed so the decision can be tested step by step. */
  tick(): void {
    if (!this.video || this.holding || this.video.seeking) return;
    const decision = syncDecision({
      audioTime: this.audio.currentTime,
      videoTime: this.video.currentTime,
      videoDuration: this.video.duration,
      offset: this.offset,
      audioRate: this.audio.playbackRate,
      playing: this.wantPlaying,
      correcting: this.correcting,
    });
    this.correcting = decision.correcting;
    if (this.video.playbackRate !== decision.videoRate) this.video.playbackRate = decision.videoRate;
    if (decision.seekTo !== undefined) this.seekVideo(decision.seekTo);
  }

  private followAudio(): void {
    if (!this.video) return;
    const target = this.audio.currentTime + this.offset;
    // The audio followed a seek of the video: the video is already going there.
    if (this.video.seeking && this.ownVideoSeek !== undefined && Math.abs(target - this.ownVideoSeek) < 0.01) return;
    if (this.wantPlaying && !this.holding) {
      // Hold the audio until the video has landed on the same instant.
      this.holding = true;
      this.audio.pause();
    }
    this.seekVideo(target);
  }

  private align(): void {
    if (this.video) this.tick();
  }

  private seekVideo(time: number): void {
    if (!this.video) return;
    this.ownVideoSeek = time;
    this.correcting = false;
    this.video.playbackRate = this.audio.playbackRate;
    this.video.currentTime = time;
  }

  private onVideoSeeking(): void {
    if (!this.video) return;
    const own = this.ownVideoSeek !== undefined && Math.abs(this.video.currentTime - this.ownVideoSeek) < 0.01;
    if (own) return;
    // Someone else seeked the video: the audio follows it.
    this.audio.currentTime = Math.max(0, this.video.currentTime - this.offset);
    this.ownVideoSeek = this.video.currentTime;
    if (this.wantPlaying && !this.holding) {
      this.holding = true;
      this.audio.pause();
    }
  }

  private onVideoSeeked(): void {
    if (!this.holding || !this.video || this.video.seeking) return;
    this.holding = false;
    if (this.wantPlaying) void this.playBoth().then(() => this.notify());
  }

  private onVideoWaiting(): void {
    if (!this.wantPlaying || this.holding || !this.video || this.video.seeking) return;
    if (this.videoEnded()) return;
    this.holding = true;
    this.audio.pause();
  }

  private onVideoPlaying(): void {
    if (!this.holding || !this.video || this.video.seeking) return;
    this.holding = false;
    // Where the video is, after a stall, is where both go on from.
    this.audio.currentTime = Math.max(0, this.video.currentTime - this.offset);
    if (this.wantPlaying) void this.audio.play().then(() => this.notify());
  }

  private videoEnded(): boolean {
    const end = this.video?.duration ?? Infinity;
    return Number.isFinite(end) && this.audio.currentTime + this.offset >= end;
  }

  /**
   * The video first: its start costs a decode, the audio's (from memory) next to nothing, so the
   * audio starts once the video runs and both leave the same instant together.
   */
  private async playBoth(): Promise<void> {
    await this.playVideo();
    if (this.wantPlaying) await this.audio.play();
  }

  private async playVideo(): Promise<void> {
    if (!this.video || this.videoEnded()) return;
    await this.video.play();
  }

  private startClock(): void {
    this.timer ??= setInterval(() => this.tick(), this.checkEveryMs);
  }

  private stopClock(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private listen(element: SyncedMedia, type: string, listener: () => void): void {
    element.addEventListener(type, listener);
    this.listeners.push([element, type, listener]);
  }

  private notify(): void {
    for (const listener of this.changed) listener();
  }
}
