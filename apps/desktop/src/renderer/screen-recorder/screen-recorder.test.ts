import { describe, expect, it } from 'vitest';
import type { DesktopApi, RecordingEvent, ScreenUploadMetadata } from '@vox/shared';
import type { ScreenCaptureCallbacks, StartScreenCapture } from './screen-capture.ts';
import { ScreenRecorder, type ScreenRecorderState } from './screen-recorder.ts';

function event(connId: string): RecordingEvent {
  return { connId, callUuid: `uuid-${connId}`, recordingId: `rec-${connId}`, dn: '7001', at: new Date().toISOString() };
}

/** A desktop API that keeps spools in memory and records what was uploaded. */
function fakeApi(options: { failUpload?: boolean } = {}) {
  const spools = new Map<string, { metadata: ScreenUploadMetadata; bytes: number[] }>();
  const uploads: Array<{ metadata: ScreenUploadMetadata; bytes: number[]; token: string }> = [];
  const api: DesktopApi = {
    kind: 'browser',
    getSettings: async () => ({ backendUrl: 'http://backend' }),
    openScreenSpool: async (metadata) => {
      const id = `spool-${spools.size + 1}`;
      spools.set(id, { metadata, bytes: [] });
      return id;
    },
    appendScreenChunk: async (id, chunk) => {
      spools.get(id)?.bytes.push(...chunk);
    },
    uploadScreenSpool: async (id, token) => {
      if (options.failUpload) throw new Error('backend unreachable');
      const spool = spools.get(id);
      if (!spool) throw new Error(`no spool ${id}`);
      uploads.push({ ...spool, token });
    },
    onScreenUploadProgress: () => () => undefined,
  };
  return { api, uploads };
}

/** A capture that starts when told to and yields the chunks the test gives it. */
function fakeCapture(options: { fail?: boolean } = {}) {
  const captures: ScreenCaptureCallbacks[] = [];
  let release: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (release = resolve));
  const start: StartScreenCapture = async (callbacks) => {
    if (options.fail) throw new Error('Permission denied');
    await ready;
    captures.push(callbacks);
    callbacks.onStart(new Date('2026-11-24T10:00:00.500Z'));
    callbacks.onChunk(new Uint8Array([1, 2]));
    return {
      stop: async () => callbacks.onChunk(new Uint8Array([3])),
    };
  };
  return { start, captures, release: () => release() };
}

function recorderWith(api: DesktopApi, start: StartScreenCapture) {
  const states: ScreenRecorderState['kind'][] = [];
  const recorder = new ScreenRecorder(
    api,
    start,
    () => 'token-1',
    (s) => states.push(s.kind),
  );
  return { recorder, states };
}

describe('ScreenRecorder', () => {
  it('records while the voice recording runs and uploads every chunk with the call’s metadata', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder, states } = recorderWith(api, capture.start);
    capture.release();
    await recorder.voiceRecordingStarted(event('a'));
    expect(recorder.current.kind).toBe('recording');
    await recorder.voiceRecordingStopped(event('a'));
    expect(states).toEqual(['starting', 'recording', 'uploading', 'uploaded']);
    expect(uploads).toEqual([
      {
        metadata: { connId: 'a', recordingId: 'rec-a', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.500Z' },
        bytes: [1, 2, 3],
        token: 'token-1',
      },
    ]);
  });

  it('ignores a duplicate start, a second call, and a stop for a call it does not record', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    capture.release();
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStarted(event('b'));
    await recorder.voiceRecordingStopped(event('b'));
    expect(capture.captures).toHaveLength(1);
    expect(recorder.current.kind).toBe('recording');
    await recorder.voiceRecordingStopped(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    expect(uploads).toHaveLength(1);
  });

  it('finishes the recording when the stop arrives while the capture is still starting', async () => {
    const { api, uploads } = fakeApi();
    const capture = fakeCapture();
    const { recorder } = recorderWith(api, capture.start);
    const started = recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    capture.release();
    await started;
    expect(recorder.current.kind).toBe('uploaded');
    expect(uploads[0]?.bytes).toEqual([1, 2, 3]);
  });

  it('says why when the capture cannot start, and records the next call', async () => {
    const { api } = fakeApi();
    const { recorder } = recorderWith(api, fakeCapture({ fail: true }).start);
    await recorder.voiceRecordingStarted(event('a'));
    expect(recorder.current).toEqual({
      kind: 'failed',
      connId: 'a',
      message: 'screen capture could not start: Permission denied',
    });
    const working = fakeCapture();
    working.release();
    const second = recorderWith(api, working.start);
    await second.recorder.voiceRecordingStarted(event('b'));
    expect(second.recorder.current.kind).toBe('recording');
  });

  it('reports a failed upload', async () => {
    const { api } = fakeApi({ failUpload: true });
    const capture = fakeCapture();
    capture.release();
    const { recorder } = recorderWith(api, capture.start);
    await recorder.voiceRecordingStarted(event('a'));
    await recorder.voiceRecordingStopped(event('a'));
    expect(recorder.current).toEqual({ kind: 'failed', connId: 'a', message: 'backend unreachable' });
  });
});
