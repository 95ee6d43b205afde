import type { Page } from '@playwright/test';

/** The supervisor player's two clocks (voice and screen), read in one go. */
export function playerClocks(page: Page) {
  return page.evaluate(() => {
    const audio = document.querySelector<HTMLAudioElement>('[data-testid="voice-player"]')!;
    const video = document.querySelector<HTMLVideoElement>('[data-testid="screen-player"]')!;
    return {
      audio: audio.currentTime,
      video: video.currentTime,
      drift: video.currentTime - audio.currentTime,
      audioPaused: audio.paused,
      videoPaused: video.paused,
      seeking: audio.seeking || video.seeking,
      audioRate: audio.playbackRate,
      videoRate: video.playbackRate,
    };
  });
}
