import { useEffect, useRef } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/plugins/regions';
import type { EventMarker, PauseMarker } from './call-markers.ts';
import { errorMessage } from '@vox/shared';

interface Props {
  /** the element that plays the voice file: the waveform draws it and seeks it */
  audio: HTMLAudioElement;
  /** the voice file, already fetched */
  blob: Blob;
  pauses: PauseMarker[];
  events: EventMarker[];
  onReady(duration: number): void;
  onSeek(time: number): void;
  onError(message: string): void;
}

/** Colours of the channels: the MCP records the agent left and the customer right. */
const channels = [
  { waveColor: '#4a78c2', progressColor: '#1f4a8a' },
  { waveColor: '#c2774a', progressColor: '#8a451f' },
];

const eventColors: Record<EventMarker['kind'], string> = {
  transfer: 'rgba(130, 60, 200, 0.9)',
  conference: 'rgba(30, 140, 90, 0.9)',
  hold: 'rgba(200, 140, 0, 0.9)',
  retrieve: 'rgba(120, 120, 120, 0.9)',
  dtmf: 'rgba(200, 40, 40, 0.9)',
};

/**
 * The voice recording's waveform (wavesurfer.js), one lane per channel, with the paused stretches
 * shaded and the call's events marked. It plays through the given audio element, the player's clock.
 */
export function Waveform({ audio, blob, pauses, events, onReady, onSeek, onError }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const callbacks = useRef({ onReady, onSeek, onError });
  useEffect(() => {
    callbacks.current = { onReady, onSeek, onError };
  });
  useEffect(() => {
    if (!container.current) return;
    const regions = RegionsPlugin.create();
    const surfer = WaveSurfer.create({
      container: container.current,
      media: audio,
      height: 56,
      splitChannels: channels,
      normalize: true,
      interact: true,
      dragToSeek: true,
      cursorColor: '#1d2430',
      cursorWidth: 2,
      plugins: [regions],
    });
    surfer.on('ready', (duration) => {
      regions.clearRegions();
      for (const pause of pauses) {
        regions.addRegion({
          start: pause.start,
          end: pause.end,
          color: 'rgba(90, 90, 90, 0.25)',
          drag: false,
          resize: false,
          content: 'paused',
        });
      }
      for (const event of events) {
        regions.addRegion({
          start: event.at,
          color: eventColors[event.kind],
          drag: false,
          resize: false,
          content: event.label,
        });
      }
      callbacks.current.onReady(duration);
    });
    surfer.on('interaction', (time) => callbacks.current.onSeek(time));
    surfer.on('error', (error) => callbacks.current.onError(error.message));
    // From a blob, wavesurfer makes the object URL the audio element plays, and revokes it when destroyed.
    surfer.loadBlob(blob).catch((error: unknown) => {
      if (!(error instanceof DOMException && error.name === 'AbortError')) {
        callbacks.current.onError(errorMessage(error));
      }
    });
    return () => surfer.destroy();
  }, [audio, blob, pauses, events]);
  return <div ref={container} className="waveform" data-testid="waveform" />;
}
