import { useEffect, useMemo, useRef, useState } from 'react';
import type { MediaFile, Recording, ScreenRecording } from '@vox/shared';
import { formatClock } from '../../common/time-format.ts';
import type { SupervisorClient } from '../supervisor-client.ts';
import { useMediaUrl } from '../use-media-url.ts';
import { eventMarkersOf, pauseMarkersOf } from './call-markers.ts';
import { MediaSync } from './media-sync.ts';
import { nextRate, playbackRates, playerCommandOf } from './player-keys.ts';
import { Waveform } from './Waveform.tsx';
import { errorMessage } from '@vox/shared';

interface Props {
  client: SupervisorClient;
  recording: Recording;
  voice: MediaFile;
  screen: ScreenRecording | undefined;
}

/** The voice file, fetched once: the waveform is drawn from it and the audio element plays it. */
function useVoiceFile(client: SupervisorClient, recordingId: string, mediaId: string) {
  const [state, setState] = useState<{ blob?: Blob; error?: string }>({});
  useEffect(() => {
    const abort = new AbortController();
    client
      .mediaBlob(recordingId, mediaId, abort.signal)
      .then((blob) => setState({ blob }))
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setState({ error: errorMessage(error) });
      });
    return () => abort.abort();
  }, [client, recordingId, mediaId]);
  return state;
}

/**
 * Voice and screen played together: the waveform of the voice file with its pauses and the call's
 * events, the screen video beside it on the same clock, speed and keyboard shortcuts.
 */
export function SyncedPlayer({ client, recording, voice, screen }: Props) {
  const voiceFile = useVoiceFile(client, recording.id, voice.mediaId);
  const screenFile = useMediaUrl(client, recording.id, screen?.mediaId);
  const poster = useMediaUrl(client, recording.id, screen?.thumbnail);
  const [audio] = useState(() => {
    const element = document.createElement('audio');
    element.preload = 'auto';
    element.dataset.testid = 'voice-player';
    return element;
  });
  const holder = useRef<HTMLDivElement>(null);
  const [video, setVideo] = useState<HTMLVideoElement | null>(null);
  const [, setTick] = useState(0);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(voice.duration / 1000);
  const [waveError, setWaveError] = useState<string>();
  const pauses = useMemo(() => pauseMarkersOf(voice), [voice]);
  const events = useMemo(() => eventMarkersOf(recording.eventHistory, voice), [recording.eventHistory, voice]);
  // Where this voice file starts within the screen recording (muxed on the first file's timeline).
  const offset = useMemo(() => {
    const first = recording.mediaFiles.find((m) => m.type === voice.type) ?? voice;
    return (Date.parse(voice.startTime) - Date.parse(first.startTime)) / 1000;
  }, [recording.mediaFiles, voice]);

  // The audio element lives outside React's tree so the waveform and the sync share one clock;
  // it is attached to the page so tests and assistive tools can find it.
  useEffect(() => {
    holder.current?.appendChild(audio);
    const onTime = () => setTime(audio.currentTime);
    audio.addEventListener('timeupdate', onTime);
    audio.addEventListener('seeked', onTime);
    return () => {
      audio.pause();
      audio.removeEventListener('timeupdate', onTime);
      audio.removeEventListener('seeked', onTime);
      audio.remove();
    };
  }, [audio]);

  // With a screen recording, the clock starts once the video element exists.
  const sync = useMemo(
    () => (screen && !video ? undefined : new MediaSync(audio, video ?? undefined, offset)),
    [audio, video, screen, offset],
  );
  useEffect(() => {
    if (!sync) return;
    sync.attach();
    const unsubscribe = sync.onChange(() => setTick((n) => n + 1));
    return () => {
      unsubscribe();
      sync.detach();
    };
  }, [sync]);

  useEffect(() => {
    if (!sync) return;
    const onKey = (event: KeyboardEvent) => {
      const command = playerCommandOf(event.key, event, (event.target as HTMLElement | null)?.tagName ?? '');
      if (!command) return;
      event.preventDefault();
      if (command.kind === 'toggle') void sync.toggle();
      else if (command.kind === 'seekBy') sync.seekBy(command.seconds);
      else sync.setRate(nextRate(sync.rate, command.step));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sync]);

  return (
    <section className="synced-player" aria-label="Player">
      <div className="media-row">
        {screen ? (
          <video
            ref={setVideo}
            data-testid="screen-player"
            // Muted by the player when it plays: the voice file carries the sound.
            preload="auto"
            playsInline
            src={screenFile.url}
            poster={poster.url}
            onClick={() => void sync?.toggle()}
          />
        ) : (
          <p className="hint screen-missing">No screen recording for this call: voice only.</p>
        )}
        {screenFile.error && (
          <p role="alert" className="error">
            The screen recording cannot be played: {screenFile.error}
          </p>
        )}
      </div>
      <div ref={holder} hidden />
      {voiceFile.error ? (
        <p role="alert" className="error">
          The voice recording cannot be played: {voiceFile.error}
        </p>
      ) : voiceFile.blob ? (
        <>
          <div className="lanes">
            <span>Agent (left)</span>
            <span>Customer (right)</span>
          </div>
          <Waveform
            audio={audio}
            blob={voiceFile.blob}
            pauses={pauses}
            events={events}
            onReady={setDuration}
            onSeek={(t) => sync?.seek(t)}
            onError={setWaveError}
          />
          {waveError && <p className="hint">The waveform could not be drawn ({waveError}); playback still works.</p>}
        </>
      ) : (
        <p className="hint">Loading the voice recording…</p>
      )}
      <div className="transport">
        <button data-testid="play-toggle" onClick={() => void sync?.toggle()} disabled={!sync || !voiceFile.blob}>
          {sync?.playing ? 'Pause' : 'Play'}
        </button>
        <button onClick={() => sync?.seekBy(-5)} disabled={!sync} aria-label="Back 5 seconds">
          −5 s
        </button>
        <button onClick={() => sync?.seekBy(5)} disabled={!sync} aria-label="Forward 5 seconds">
          +5 s
        </button>
        <span data-testid="position">
          {formatClock(time)} / {formatClock(duration)}
        </span>
        <label>
          Speed
          <select
            value={sync?.rate ?? 1}
            onChange={(e) => sync?.setRate(Number(e.target.value))}
            disabled={!sync}
            data-testid="speed"
          >
            {playbackRates.map((rate) => (
              <option key={rate} value={rate}>
                {rate}×
              </option>
            ))}
          </select>
        </label>
        <span className="hint keys">Space: play/pause · ←/→: 5 s (Shift: 1 s) · ↑/↓: speed</span>
      </div>
      {(events.length > 0 || pauses.length > 0) && (
        <ul className="markers" data-testid="markers">
          {pauses.map((p) => (
            <li key={`p${p.start}`}>
              <button className="linklike" onClick={() => sync?.seek(p.start)}>
                {formatClock(p.start)}
              </button>{' '}
              paused {Math.round(p.end - p.start)} s
            </li>
          ))}
          {events.map((e) => (
            <li key={`e${e.at}${e.kind}`} className={`marker ${e.kind}`}>
              <button className="linklike" onClick={() => sync?.seek(e.at)}>
                {formatClock(e.at)}
              </button>{' '}
              {e.label}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
