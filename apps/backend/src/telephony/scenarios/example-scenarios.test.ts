import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioSchema, type ApiClient, type MediaFile, type Recording, type ScenarioRun } from '@vox/shared';
import { cliPasswordFile } from '../../test-support/cli-password-file.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { DecodedAudio } from '../../test-support/decoded-audio.ts';
import { detectDtmf } from '../../platform/media/dtmf.ts';

const scenariosDir = path.resolve(import.meta.dirname, '../../../scenarios');
let backend: VoxTestBackend;
let admin: ApiClient;

beforeAll(async () => {
  // Recording-and-analytics mode: every recording is MP3 16 kbit/s stereo plus WAV G.711.
  backend = await VoxTestBackend.start({ VOX_ANALYTICS: '1' });
  admin = await backend.client('admin');
});

afterAll(async () => {
  await backend?.stop();
});

async function runExample(file: string, speed: number): Promise<ScenarioRun> {
  const scenario = scenarioSchema.parse(JSON.parse(await fs.readFile(path.join(scenariosDir, file), 'utf8')));
  const run = await admin.call('startScenario', { query: { wait: '1', speed }, body: scenario });
  expect(run.failure).toBeUndefined();
  expect(run.state).toBe('passed');
  return run;
}

/** The recording once the analytics step has analysed its WAV. */
async function analysed(recordingId: string): Promise<Recording> {
  for (let i = 0; i < 100; i++) {
    const recording = await backend.recording(recordingId);
    if (recording.analytics) return recording;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`recording ${recordingId} was not analysed within 10 s`);
}

const mp3Of = (recording: Recording) => recording.mediaFiles.filter((m) => m.type === 'audio/mp3');
const historyOf = (recording: Recording) =>
  recording.eventHistory.map((e) => `${e.event}${e.detail ? `: ${e.detail}` : ''}`);

function expectDuration(media: MediaFile | undefined, expectedMs: number): void {
  expect(media?.duration).toBeGreaterThan(expectedMs - 350);
  expect(media?.duration).toBeLessThan(expectedMs + 350);
}

describe('example scenarios, one per GIR rule, through the real API, encoding and storage', () => {
  it('static DN configuration: a call to DN 7003 (record=true) is recorded for 7003, as MP3 and WAV G.711', async () => {
    const run = await runExample('static-dn-recording.json', 2);
    const [recording, ...others] = await backend.recordingsOf(run.calls.main!.connId, 2);
    expect(others).toEqual([]);
    expect(recording?.recordDN).toBe('7003');
    expect(historyOf(recording!)).toContain('RecordingStarted: DN 7003 configured record=true');
    expect(recording?.mediaFiles.map((m) => m.type).sort()).toEqual(['audio/mp3', 'audio/wav']);
    expectDuration(mp3Of(recording!)[0], 2000);
    const wav = recording!.mediaFiles.find((m) => m.type === 'audio/wav')!;
    expect(wav.mediaId).toMatch(/^[0-9A-V]{32}_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-1\.wav$/);
    const decoded = await DecodedAudio.fromBytes(await backend.media(recording!.id, wav.mediaId), 'wav');
    expect(Math.abs(decoded.durationMs - wav.duration)).toBeLessThan(100);
  });

  it('routing strategy record=destination: the given id, the dest folder, the attached data', async () => {
    const run = await runExample('routing-strategy-destination.json', 2);
    const [recording] = await backend.recordingsOf(run.calls.main!.connId, 2);
    expect(recording?.id).toBe(`strategy-destination-${run.id.slice(0, 8)}`);
    expect(recording?.recordDN).toBe('7001');
    expect(recording?.attachedData).toEqual({ CustomerSegment: 'gold' });
    const stored = await fs.readdir(path.join(backend.dataDir, 'media', 'legal', 'hold'));
    expect(stored.sort()).toEqual(recording!.mediaFiles.map((m) => m.mediaId).sort());
  });

  it('record=disable_destination overrides record=true on the DN: not recorded, and the call says why', async () => {
    const run = await runExample('routing-strategy-disable.json', 2);
    expect(run.results[1]?.detail).toContain('not recorded: no recording-enabled party');
    expect(run.results[1]?.detail).toContain('routing strategy record=disable_destination');
    expect(run.results[2]).toMatchObject({ outcome: 'refused', detail: expect.stringContaining('1604 NotRecording') });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await admin.call('listRecordings', { query: { connId: run.calls.main!.connId } })).toMatchObject({
      recordings: [],
    });
  });

  it('TPrivateService start, pause, resume, stop: EventACKs, EventErrors, and the pause is silence at its offset', async () => {
    const run = await runExample('private-service-mid-call-control.json', 2);
    const refused = run.results.filter((r) => r.outcome === 'refused').map((r) => r.detail.split(':')[0]);
    expect(refused).toEqual([
      'EventError 1604 NotRecording',
      'EventError 1606 AlreadyRecording',
      'EventError 1605 NotPaused',
      'EventError 1607 AlreadyPaused',
      'EventError 1604 NotRecording',
    ]);
    const [recording] = await backend.recordingsOf(run.calls.main!.connId, 2);
    const mp3 = mp3Of(recording!)[0]!;
    expectDuration(mp3, 2750);
    expect(mp3.pauses).toHaveLength(1);
    const pause = mp3.pauses[0]!;
    expect(pause.offset).toBeGreaterThan(850);
    expect(pause.offset).toBeLessThan(1150);
    expect(pause.duration).toBeGreaterThan(850);
    expect(pause.duration).toBeLessThan(1150);
    const audio = await DecodedAudio.fromBytes(await backend.media(recording!.id, mp3.mediaId), 'mp3', 16000, 2);
    const inside = [pause.offset + 60, pause.offset + pause.duration - 60] as const;
    for (const channel of [0, 1]) expect(audio.rms(channel, ...inside)).toBeLessThan(0.003);
    // Outside the pause the parties are heard: someone speaks in some 100 ms of it.
    let loudest = 0;
    for (let ms = 0; ms + 100 <= mp3.duration; ms += 50) {
      if (ms + 100 > pause.offset - 40 && ms < pause.offset + pause.duration + 40) continue;
      loudest = Math.max(loudest, audio.rms(0, ms, ms + 100), audio.rms(1, ms, ms + 100));
    }
    expect(loudest).toBeGreaterThan(0.03);
    expect(historyOf(recording!)).toContain('RecordingPaused: TPrivateService GSIP_RECORD_PAUSE from 7002');
    // The analytics step hears the pause as silence on both channels.
    const { analytics } = await analysed(recording!.id);
    expect(analytics?.longestSilenceMs).toBeGreaterThanOrEqual(pause.duration - 60);
    expect(analytics?.silenceMs).toBeGreaterThanOrEqual(pause.duration - 60);
    expect(analytics!.agentTalkMs + analytics!.customerTalkMs).toBeGreaterThan(500);
    expect(analytics).toMatchObject({ dtmfDigits: 0, pciLeak: false });
  });

  it('transfer: the recording-enabled customer stays, so one recording runs through the transfer', async () => {
    const run = await runExample('transfer-keeps-recording.json', 2);
    const recordings = await backend.recordingsOf(run.calls.main!.connId, 2);
    expect(recordings).toHaveLength(1);
    expect(mp3Of(recordings[0]!)).toHaveLength(1);
    expect(recordings[0]?.recordDN).toBe('5550105');
    expect(recordings[0]?.parties).toEqual([
      { dn: '5550105', role: 'customer' },
      { dn: '7001', role: 'agent' },
      { dn: '7002', role: 'agent' },
    ]);
    expectDuration(mp3Of(recordings[0]!)[0], 2500);
    expect(historyOf(recordings[0]!)).toEqual(
      expect.arrayContaining(['EventPartyAdded', 'EventReleased: transferred by 7001 to 7002']),
    );
  });

  it('transfer to an agent who is not recording-enabled: the recording stops at the transfer', async () => {
    const run = await runExample('transfer-to-unrecorded-agent.json', 2);
    const [recording] = await backend.recordingsOf(run.calls.main!.connId, 2);
    expectDuration(mp3Of(recording!)[0], 1250);
    expect(historyOf(recording!)).toContain('RecordingStopped: no recording-enabled party is left in the call');
    expect(run.results.at(-1)?.detail).toContain('call released');
  });

  it('conference: recorded from when 7003 (record=true) joins until it leaves, while the others talk on', async () => {
    const run = await runExample('conference-enabled-party-leaves.json', 2);
    const [recording] = await backend.recordingsOf(run.calls.main!.connId, 2);
    expect(recording?.recordDN).toBe('7003');
    expectDuration(mp3Of(recording!)[0], 1250);
  });

  it('two-step transfer: the consultation is recorded on its own, the original recording continues with 7003', async () => {
    const run = await runExample('consult-transfer.json', 2);
    const [original] = await backend.recordingsOf(run.calls.main!.connId, 2);
    const [consultation] = await backend.recordingsOf(run.calls.consult!.connId, 2);
    expect(original?.recordDN).toBe('7001');
    expect(mp3Of(original!)).toHaveLength(1);
    expectDuration(mp3Of(original!)[0], 2750);
    expect(consultation?.recordDN).toBe('7003');
    expectDuration(mp3Of(consultation!)[0], 750);
    // 7001 is in sales, 7003 in support: both groups' supervisors see the original recording.
    for (const supervisor of ['supervisor1', 'supervisor2']) {
      const seen = await backend.call(
        'GET',
        `/api/v2/recordings/${original!.id}`,
        undefined,
        await backend.token(supervisor),
      );
      expect(seen.status).toBe(200);
    }
  });

  it('IVR: the card number keyed while recording is paused leaves no DTMF in the stored files', async () => {
    const run = await runExample('ivr-dtmf-masking.json', 1);
    const [recording] = await backend.recordingsOf(run.calls.main!.connId, 2);
    expect(recording?.recordDN).toBe('8100');
    const mp3 = mp3Of(recording!)[0]!;
    expect(mp3.pauses).toHaveLength(1);
    const stereo = await DecodedAudio.fromBytes(await backend.media(recording!.id, mp3.mediaId), 'mp3', 16000, 2);
    // The customer is on the right channel.
    expect(
      detectDtmf(stereo.channel(1), 16000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('129');
    const wav = recording!.mediaFiles.find((m) => m.type === 'audio/wav')!;
    // Stereo as well, and read per channel as analytics reads it: a downmix lays the agent's voice
    // over the customer's tones and hides them from the detector at random.
    const g711 = await DecodedAudio.fromBytes(await backend.media(recording!.id, wav.mediaId), 'wav', 8000, 2);
    expect(
      detectDtmf(g711.channel(1), 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('129');
    expect(historyOf(recording!)).toContain('DTMF: 4 digit(s) keyed');
    // The digits keyed while recording are heard by analytics: a PCI leak flag, searchable.
    expect((await analysed(recording!.id)).analytics).toMatchObject({ dtmfDigits: 3, pciLeak: true });
    const flagged = await admin.call('listRecordings', { query: { pciLeak: 'true' } });
    expect(flagged.recordings.map((r) => r.id)).toEqual([recording!.id]);
  });

  it('whole-IVR recording by DN configuration stops when the IVR hands the call to an agent', async () => {
    const run = await runExample('ivr-whole-recording.json', 2);
    const [recording] = await backend.recordingsOf(run.calls.main!.connId, 2);
    expect(recording?.recordDN).toBe('8200');
    expectDuration(mp3Of(recording!)[0], 1500);
  });

  it('MCP failover: the recording continues on another MCP as a second media file of the same recording', async () => {
    const run = await runExample('mcp-failover.json', 2);
    const recordings = await backend.recordingsOf(run.calls.main!.connId, 4);
    expect(recordings).toHaveLength(1);
    const files = mp3Of(recordings[0]!).sort((a, b) => a.startTime.localeCompare(b.startTime));
    expect(files.map((m) => m.mediaId.slice(-6))).toEqual(['-1.mp3', '-2.mp3']);
    expectDuration(files[0], 1000);
    expectDuration(files[1], 1000);
    const trace = await admin.call('getCallTrace', { params: { connId: run.calls.main!.connId } });
    const moved = trace.messages.find((m) => m.summary.startsWith('session moved from MCP'));
    expect(moved).toBeDefined();
    const after = trace.messages.slice(trace.messages.indexOf(moved!));
    expect(after.some((m) => m.summary.includes('(MSML dialogend)') && m.to.startsWith('MCP'))).toBe(true);
  });

  it('after GSIP_RECORD_STOP a new GSIP_RECORD_START makes a second recording of the same call', async () => {
    const run = await runExample('event-errors.json', 2);
    const recordings = await backend.recordingsOf(run.calls.main!.connId, 4);
    expect(recordings.map((r) => r.id).sort()).toEqual(
      [`restarted-${run.id.slice(0, 8)}`, recordings.find((r) => !r.id.startsWith('restarted'))!.id].sort(),
    );
  });
});

describe('TPrivateService through the REST API', () => {
  it('answers EventError with a specific code for each refused request, EventACK otherwise', async () => {
    const created = await admin.call('createCall', { body: { ani: '5550200', dnis: '8005550100', targetDn: '7004' } });
    await backend.callAction(created.connId, 'answer', { dn: '7004' });
    const supervisor = await backend.token('supervisor2');
    const request = (body: object, token = supervisor) =>
      backend.call('POST', '/api/v2/sim/private-service', { thisDn: '7004', connId: created.connId, ...body }, token);

    expect(await request({ privateMsgId: 3999 })).toMatchObject({
      status: 400,
      body: { event: 'EventError', errorCode: 1601, errorName: 'UnknownPrivateMsgID' },
    });
    expect(await request({ privateMsgId: 3013 })).toMatchObject({
      status: 403,
      body: { event: 'EventError', errorCode: 1603, errorName: 'DNNotRegistered' },
    });
    expect(await backend.call('POST', '/api/v2/sim/register', { dn: '7004' }, supervisor)).toMatchObject({
      status: 200,
      body: { dns: ['7004'], allDns: false },
    });
    expect(await request({ privateMsgId: 3013, connId: '0123456789abcdef' })).toMatchObject({
      status: 404,
      body: { errorCode: 1602, errorName: 'InvalidConnectionID' },
    });
    const started = await request({ privateMsgId: 3013, reasons: { why: 'quality' } });
    expect(started).toMatchObject({
      status: 200,
      body: { event: 'EventACK', privateMsgId: 3013, reasons: { why: 'quality' } },
    });
    const snapshot = await admin.call('getCall', { params: { connId: created.connId } });
    expect(snapshot.recording).toMatchObject({
      state: 'recording',
      note: expect.stringContaining('GSIP_RECORD_START'),
    });
    expect(snapshot.parties.find((p) => p.role === 'customer')?.recordEnabled).toBe(true);
    const agent = await backend.token('agent4');
    const agentPause = await request({ privateMsgId: 3015 }, agent);
    expect(agentPause).toMatchObject({ status: 200, body: { event: 'EventACK' } });
    const otherAgent = await backend.call(
      'POST',
      '/api/v2/sim/register',
      { dn: '7004' },
      await backend.token('agent1'),
    );
    expect(otherAgent.status).toBe(403);
    expect(await request({ privateMsgId: 3016 }, await backend.token('agent1'))).toMatchObject({
      status: 403,
      body: { errorCode: 1603 },
    });
    await backend.callAction(created.connId, 'release', { dn: '7004' });
  });

  it('refuses a recording id that is already in use', async () => {
    const existing = await admin.call('listRecordings', { query: { callerPhoneNumber: '*' } });
    const taken = existing.recordings[0]!.id;
    const answer = await backend.call(
      'POST',
      '/api/v2/sim/calls',
      { ani: '5550201', dnis: '8005550100', targetDn: '7004', record: 'source', recordId: taken },
      await backend.token('admin'),
    );
    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });
});

describe('the vox-sim CLI', () => {
  const cli = path.resolve(import.meta.dirname, '../../../bin/vox-sim.mjs');
  const run = promisify(execFile);

  it('checks every example scenario', async () => {
    for (const file of await fs.readdir(scenariosDir)) {
      const { stdout } = await run(process.execPath, [cli, 'check', path.join(scenariosDir, file)]);
      expect(stdout).toContain('a valid scenario');
    }
  });

  it('runs a scenario against a backend, printing each step, and exits 0 when it passed', async () => {
    const { stdout } = await run(process.execPath, [
      cli,
      'run',
      path.join(scenariosDir, 'static-dn-recording.json'),
      '--url',
      backend.url,
      '--user',
      'admin',
      '--password-file',
      await cliPasswordFile(backend),
      '--speed',
      '4',
    ]);
    expect(stdout).toMatch(/1\/3 ok {2}route: routed to 7003/);
    expect(stdout).toContain('PASSED');
  });

  it('says what is wrong with an invalid file and exits 2', async () => {
    const bad = path.join(backend.dataDir, 'bad.json');
    await fs.writeFile(bad, JSON.stringify({ name: 'x', steps: [{ action: 'answer' }] }));
    const failed = await run(process.execPath, [cli, 'check', bad]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('steps.0.dn') });
  });
});
