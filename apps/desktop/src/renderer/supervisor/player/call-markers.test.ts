import { describe, expect, it } from 'vitest';
import type { CallEvent } from '@vox/shared';
import { eventMarkersOf, markerKindOf, pauseMarkersOf } from './call-markers.ts';

const start = '2026-11-30T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(start) + ms).toISOString();
const media = { startTime: start, duration: 60_000 };

describe('event markers on the waveform', () => {
  it('places holds, retrievals, conferences and DTMF at their offset in the file', () => {
    const events: CallEvent[] = [
      { at: at(-2000), event: 'EventRinging', dn: '7001' },
      { at: at(0), event: 'RecordingStarted', dn: '7001' },
      { at: at(5000), event: 'EventHeld', dn: '7001', detail: 'consulting 7002 (conference)' },
      { at: at(9000), event: 'EventPartyAdded', dn: '7002' },
      { at: at(9001), event: 'EventRetrieved', dn: '7001', detail: 'conference with 7002' },
      { at: at(12_500), event: 'DTMF', dn: '5550100', detail: '4 digit(s) keyed' },
      { at: at(70_000), event: 'EventHeld', dn: '7001' },
    ];
    expect(eventMarkersOf(events, media).map((m) => [m.kind, m.at])).toEqual([
      ['hold', 5],
      ['conference', 9],
      ['dtmf', 12.5],
    ]);
  });

  it('shows a single-step transfer once, as a transfer', () => {
    const events: CallEvent[] = [
      { at: at(3000), event: 'EventPartyAdded', dn: '7002' },
      { at: at(3001), event: 'EventReleased', dn: '7001', detail: 'transferred by 7001 to 7002' },
    ];
    const markers = eventMarkersOf(events, media);
    expect(markers).toEqual([{ kind: 'transfer', at: 3.001, label: 'Transfer 7001: transferred by 7001 to 7002' }]);
  });

  it('ignores a plain release and the events the recording itself makes', () => {
    expect(markerKindOf({ at: start, event: 'EventReleased', dn: '7001', detail: 'released by 7001' })).toBeUndefined();
    expect(markerKindOf({ at: start, event: 'RecordingPaused', dn: '7001' })).toBeUndefined();
  });
});

describe('pause markers', () => {
  it('turn the file pauses (ms) into stretches in seconds', () => {
    expect(pauseMarkersOf({ pauses: [{ offset: 2500, duration: 4000 }] })).toEqual([{ start: 2.5, end: 6.5 }]);
  });
});
