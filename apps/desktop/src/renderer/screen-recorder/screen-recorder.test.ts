import { describe, expect, it } from 'vitest';
import {
  defaultScreenCaptureSettings,
  type DesktopApi,
  type RecordingEvent,
  type ScreenRecordingIncident,
  type ScreenUploadMetadata,
} from '@vox/shared';
import type { ScreenCaptureCallbacks, StartScreenCapture } from './screen-capture.ts';
import { ScreenRecorder, type ScreenRecorderState } from './screen-recorder.ts';

function event(connId: string): RecordingEvent {
  return { connId, callUuid: `uuid-${connId}`, recordingId: `rec-${connId}`, dn: '7001', at: new Date().toISOString() };
}

/** A desktop API that keeps spools in memory and records what was uploaded. */
function fakeApi(options: { diskFullAfter?: number } = {}) {
  const spools = new Map<string, { metadata: ScreenUploadMetadata; bytes: number[] }>();
  const uploads: Array<{ metadata: ScreenUploadMetadata; bytes: number[]; token: string }> = [];
  let appended = 0;
  const api: DesktopApi = {
    kind: 'browser',
    getSettings: async () => ({ backendUrl: 'http://backend', capture: defaultScreenCaptureSettings }),
    saveBackendUrl: async () => 'unchanged',
    openScreenSpool: async (metadata) => {
      const id = `spool-${spools.size + 1}`;
      spools.set(id, { metadata, bytes: [] });
      return id;
    },
    appendScreenChunk: async (id, chunk) => {
      if (options.diskFullAfter !== undefined && appended >= options.diskFullAfter) {
        throw new Error('disk_full: the disk holding /spool is full');
      }
      appended += 1;
      spools.get(id)?.bytes.push(...chunk);
    },
    uploadScreenSpool: async (id, token) => {
      const spool = spools.get(id);
      if (!spool) throw new Error(`no spool ${id}`);
      uploads.push({ ...spool, token });
    },
    uploadPendingScreenSpools: async () => undefined,
    listPendingScreenUploads: async () => [],
    reportStatus: async () => undefined,
    openView: async () => undefined,
    onScreenUploadProgress: () => () => undefined,
  };
  return { api, uploads };
}

interface FakeCaptureLog {
  started: number;
  paused: number;
  resumed: number;
  stopped: number;
}

/**
 * A capture that yields one chunk when it starts, one per pause or resume (so the bytes show the
 * order things happened in) and one when it stops. `hold` keeps it starting until released.
 */
function fakeCapture(options: { fail?: boolean; hold?: boolean } = {}) {
  const log: FakeCaptureLog = { started: 0, paused: 0, resumed: 0, stopped: 0 };
  const callbacks: ScreenCaptureCallbacks[] = [];
  let release: () => void = () => undefined;
  const ready = options.hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const start: StartScreenCapture = async (cb) => {
    if (options.fail) throw new Error('Permission denied');
    await ready;
    log.started += 1;
    callbacks.push(cb);
    cb.onStart(new Date('2026-11-24T10:00:00.500Z'));
    cb.onChunk(new Uint8Array([1]));
    return {
      pause: () => {
        log.paused += 1;
        cb.onChunk(new Uint8Array([2]));
      },
      resume: () => {
        log.resumed += 1;
        cb.onChunk(new Uint8Array([3]));
      },
      stop: async () => {
        log.stopped += 1;
        cb.onChunk(new Uint8Array([9]));
      },
    };
  };
  return { start, log, callbacks, release: () => release() };
}

function recorderWith(api: DesktopApi, start: StartScreenCapture) {
  const states: ScreenRecorderState['kind'][] = [];
  const incidents: ScreenRecordingIncident[] = [];
  const recorder = new ScreenRecorder({
    api,
    startCapture: start,
    token: () => 'token-1',
    onState: (s) => {
      if (states.at(-1) !== s.kind) states.push(s.kind);
    },
    reportIncident: async (incident) => void incidents.push(incident),
  });
  return { recorder, states, incidents };
}

/** Lets the uploads the recorder started in the background finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ScreenRecorder', () => {
  it('records while the voice recording runs and uploads every chunk with the call’s metadata', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder, states } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    expect(recorder.current.kind).toBe('recording');
    await recorder.voiceRecordingStopped(event('a'));
    await settle();
    expect(states).toEqual(['starting', 'recording', 'idle']);
    expect(uploads).toEqual([
      {
        metadata: { connId: 'a', recordingId: 'rec-a', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.500Z' },
        bytes: [1, 9],
        token: 'token-1',
      },
    ]);
  });

  it('pauses and resumes with the voice recording', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder, states } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingPaused(event('a'));
    expect(recorder.current.kind).toBe('paused');
    await recorder.voiceRecordingResumed(event('a'));
    await recorder.voiceRecordingPaused(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    await settle();
    expect(states).toEqual(['starting', 'recording', 'paused', 'recording', 'paused', 'idle']);
    expect(uploads[0]?.bytes).toEqual([1, 2, 3, 2, 9]);
  });

  it('changes nothing on duplicate events', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingPaused(event('a'));
    await recorder.voiceRecordingPaused(event('a'));
    await recorder.voiceRecordingResumed(event('a'));
    await recorder.voiceRecordingResumed(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    await settle();
    expect(capture.log).toEqual({ started: 1, paused: 1, resumed: 1, stopped: 1 });
    expect(uploads).toHaveLength(1);
  });

  it('ignores a pause, resume or stop of a call it never heard start', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder, states } = recorderWith(api, capture.start);
    await recorder.voiceRecordingPaused(event('a'));
    await recorder.voiceRecordingResumed(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    expect(capture.log.started).toBe(0);
    expect(uploads).toEqual([]);
    expect(states).toEqual(['idle']);
  });

  it('applies what happened while the capture was starting: a pause, then a stop', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture({ hold: true });
    const { recorder, states } = recorderWith(api, capture.start);
    const started = recorder.voiceRecordingStarted(event('a'));
    const paused = recorder.voiceRecordingPaused(event('a'));
    await settle();
    expect(recorder.current.kind).toBe('starting');
    capture.release();
    await Promise.all([started, paused]);
    expect(recorder.current.kind).toBe('paused');

    const capture2 = fakeCapture({ hold: true });
    const second = recorderWith(api, capture2.start);
    const s = second.recorder.voiceRecordingStarted(event('b'));
    await settle();
    const stopped = second.recorder.voiceRecordingStopped(event('b'));
    capture2.release();
    await Promise.all([s, stopped]);
    await settle();
    // Stopped while starting: the chunk it captured is kept, nothing keeps running.
    expect(capture2.log).toMatchObject({ started: 1, stopped: 1 });
    expect(second.recorder.current.kind).toBe('idle');
    expect(uploads.map((u) => u.metadata.connId)).toEqual(['b']);

    // Started and stopped before the recorder got to it: no capture at all.
    const capture3 = fakeCapture();
    const third = recorderWith(api, capture3.start);
    await Promise.all([
      third.recorder.voiceRecordingStarted(event('c')),
      third.recorder.voiceRecordingStopped(event('c')),
    ]);
    expect(capture3.log.started).toBe(0);
    expect(states.at(-1)).toBe('paused');
    expect(capture.log).toMatchObject({ started: 1, paused: 1, resumed: 0 });
  });

  it('records one call at a time, then the next call that is still recorded', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStarted(event('b'));
    expect(capture.log.started).toBe(1);
    await recorder.voiceRecordingStopped(event('a'));
    expect(recorder.current).toMatchObject({ kind: 'recording', connId: 'b' });
    await recorder.voiceRecordingStopped(event('b'));
    await settle();
    expect(uploads.map((u) => u.metadata.connId)).toEqual(['a', 'b']);
  });

  it('catches up after a reconnect: stops a recording that ended, starts one it missed, takes the pause', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    // Offline: call a ended and call b started recording, then was paused; no event arrived.
    await recorder.catchUp([{ connId: 'b', recordingId: 'rec-b', state: 'paused' }]);
    expect(recorder.current).toMatchObject({ kind: 'paused', connId: 'b' });
    await settle();
    expect(uploads.map((u) => u.metadata.connId)).toEqual(['a']);
    // The same catch-up again (a second reconnect) changes nothing.
    await recorder.catchUp([{ connId: 'b', recordingId: 'rec-b', state: 'paused' }]);
    expect(capture.log).toMatchObject({ started: 2, paused: 1, stopped: 1 });
    await recorder.catchUp([]);
    await settle();
    expect(recorder.current.kind).toBe('idle');
    expect(uploads.map((u) => u.metadata.connId)).toEqual(['a', 'b']);
  });

  it('says plainly when the screen cannot be captured, tells the backend, and does not retry for that call', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture({ fail: true });
    const { recorder, incidents } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    expect(recorder.current).toEqual({
      kind: 'failed',
      connId: 'a',
      message: 'screen capture could not start: Permission denied',
    });
    await recorder.voiceRecordingPaused(event('a'));
    await recorder.voiceRecordingResumed(event('a'));
    expect(recorder.current.kind).toBe('failed');
    expect(incidents).toEqual([
      {
        connId: 'a',
        recordingId: 'rec-a',
        reason: 'capture_refused',
        message: 'screen capture could not start: Permission denied',
      },
    ]);
    expect(uploads).toEqual([]);
  });

  it('stops on a full disk, keeps and uploads what was written, and tells the backend', async () => {
    const { api, uploads } = fakeApi({ diskFullAfter: 2 });
    const capture = fakeCapture();
    const { recorder, incidents } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingPaused(event('a'));
    await recorder.voiceRecordingResumed(event('a'));
    await settle();
    await settle();
    expect(recorder.current).toMatchObject({ kind: 'failed', message: expect.stringMatching(/the disk is full/) });
    expect(capture.log.stopped).toBe(1);
    expect(uploads.map((u) => u.bytes)).toEqual([[1, 2]]);
    expect(incidents.map((i) => i.reason)).toEqual(['disk_full']);
    // The voice recording goes on; the screen is not restarted for this call.
    await recorder.voiceRecordingPaused(event('a'));
    expect(capture.log.started).toBe(1);
  });

  it('keeps what was captured when the agent stops sharing the screen', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder, incidents } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    capture.callbacks[0]?.onEnded('screen sharing was stopped outside Vox');
    await settle();
    await settle();
    expect(recorder.current).toMatchObject({ kind: 'failed', message: 'screen sharing was stopped outside Vox' });
    expect(uploads).toHaveLength(1);
    expect(incidents.map((i) => i.reason)).toEqual(['capture_ended']);
  });

  it('stops when the agent leaves the call, though the call’s recording goes on', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.callLeft('a');
    await settle();
    expect(recorder.current.kind).toBe('idle');
    expect(uploads).toHaveLength(1);
    // The RecordingStopped that may follow for this DN changes nothing.
    await recorder.voiceRecordingStopped(event('a'));
    expect(capture.log).toMatchObject({ started: 1, stopped: 1 });
  });

  it('ends the screen recording when the session ends, uploads it, and starts none after', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStarted(event('b'));
    await recorder.stop();
    await settle();
    expect(recorder.current.kind).toBe('idle');
    expect(uploads.map((u) => u.metadata.connId)).toEqual(['a']);
    // Call b is still recorded, and events still come: no screen recording starts for either.
    await recorder.voiceRecordingStarted(event('c'));
    await recorder.catchUp([{ connId: 'b', recordingId: 'rec-b', state: 'recording' }]);
    expect(capture.log).toMatchObject({ started: 1, stopped: 1 });
  });
});
