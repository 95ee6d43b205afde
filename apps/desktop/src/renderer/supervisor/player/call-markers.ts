import type { CallEvent, MediaFile } from '@vox/shared';

/** What a supervisor looks for on the waveform: where the call changed hands or went on hold. */
export type EventMarkerKind = 'transfer' | 'conference' | 'hold' | 'retrieve' | 'dtmf';

export interface EventMarker {
  kind: EventMarkerKind;
  /** seconds from the start of the media file */
  at: number;
  label: string;
}

export interface PauseMarker {
  /** seconds from the start of the media file */
  start: number;
  end: number;
}

/**
 * The kind of marker a call event stands for, or undefined for events that are not worth one
 * (ringing, the recording's own start and stop). A single-step transfer shows as the released
 * party's "transferred" event, a conference as the party added while the recording runs.
 */
export function markerKindOf(event: CallEvent): EventMarkerKind | undefined {
  const detail = event.detail ?? '';
  switch (event.event) {
    case 'EventHeld':
      return 'hold';
    case 'EventRetrieved':
      return detail.includes('conference') ? 'conference' : 'retrieve';
    case 'EventReleased':
      return /\btransfer/.test(detail) ? 'transfer' : undefined;
    case 'EventPartyAdded':
      return 'conference';
    case 'DTMF':
      return 'dtmf';
    default:
      return undefined;
  }
}

const labels: Record<EventMarkerKind, string> = {
  transfer: 'Transfer',
  conference: 'Conference',
  hold: 'Hold',
  retrieve: 'Retrieve',
  dtmf: 'DTMF',
};

/** The call's events that fall inside this media file, placed on its timeline. */
export function eventMarkersOf(events: CallEvent[], media: Pick<MediaFile, 'startTime' | 'duration'>): EventMarker[] {
  const start = Date.parse(media.startTime);
  const markers: EventMarker[] = [];
  for (const event of events) {
    let kind = markerKindOf(event);
    const offsetMs = Date.parse(event.at) - start;
    if (!kind || offsetMs < 0 || offsetMs > media.duration) continue;
    // A single-step transfer adds the new party, then releases the old one: one transfer, not a conference too.
    const previous = markers.at(-1);
    if (kind === 'transfer' && previous?.kind === 'conference' && offsetMs / 1000 - previous.at < 0.5) markers.pop();
    if (kind === 'conference' && event.event === 'EventPartyAdded' && isTransferNext(events, event)) kind = undefined;
    // A two-step conference completes as a party added and the initiator retrieved: one marker.
    if (!kind || (kind === previous?.kind && offsetMs / 1000 - previous.at < 0.5)) continue;
    markers.push({
      kind,
      at: offsetMs / 1000,
      label: `${labels[kind]}${event.dn ? ` ${event.dn}` : ''}${event.detail ? `: ${event.detail}` : ''}`,
    });
  }
  return markers;
}

function isTransferNext(events: CallEvent[], added: CallEvent): boolean {
  const next = events[events.indexOf(added) + 1];
  return next !== undefined && markerKindOf(next) === 'transfer' && Date.parse(next.at) - Date.parse(added.at) < 500;
}

/** The paused stretches of the media file (silence in the file), in seconds. */
export function pauseMarkersOf(media: Pick<MediaFile, 'pauses'>): PauseMarker[] {
  return media.pauses.map((p) => ({ start: p.offset / 1000, end: (p.offset + p.duration) / 1000 }));
}
