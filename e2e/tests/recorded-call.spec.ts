import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { logInAt } from '../support/login-page.ts';
import { probe } from '../support/media-probe.ts';
import { VoxApi } from '../support/vox-api.ts';

test('a recorded call goes from trigger to playback: voice, screen, mux, supervisor playback', async ({
  browser,
  request,
}, testInfo) => {
  const admin = await VoxApi.login(request, 'admin', 'admin-demo');

  // The agent logs in at /agent and sees its DN, connected.
  const agent = await logInAt(browser, '/agent', 'agent1');
  await expect(agent.getByTestId('agent-dn')).toHaveText('7001');
  await expect(agent.getByTestId('connection')).toHaveText('online');
  // The login click also shared the screen, so call events can start the screen recording.
  await expect(agent.getByRole('button', { name: 'Share screen' })).toHaveCount(0);

  // The routing strategy routes a call to DN 7001 with record=source; the agent answers.
  const call = await admin.routeCall({ ani: '5550142', dnis: '8005550199', targetDn: '7001', record: 'source' });
  const card = agent.getByTestId('call');
  await expect(card).toContainText('Ringing: 5550142');
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(agent.getByTestId('recording-indicator')).toHaveText('● Recording');
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording');
  await agent.screenshot({ path: testInfo.outputPath('agent-recording.png') });

  await agent.waitForTimeout(5_000);
  await card.getByRole('button', { name: 'Release' }).click();
  await expect(agent.getByTestId('call')).toHaveCount(0);
  await expect(agent.locator(`[data-testid="upload"][data-conn-id="${call.connId}"]`)).toHaveAttribute(
    'data-state',
    'done',
    { timeout: 30_000 },
  );

  // The backend muxes the screen with the call audio and links it to the recording.
  const recording = await admin.recordingWithScreens(call.callUuid, 1, 30_000);
  const voice = recording.mediaFiles[0];
  const screen = recording.screenRecordings[0];
  if (!voice || !screen) throw new Error('voice or screen media missing');
  expect(recording.callerPhoneNumber).toBe('5550142');
  expect(recording.dialedPhoneNumber).toBe('8005550199');
  expect(voice.type).toBe('audio/mp3');
  expect(voice.mediaId).toMatch(new RegExp(`^${call.callUuid}_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}-1\\.mp3$`));
  expect(voice.duration).toBeGreaterThan(4_500);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-e2e-media-'));
  try {
    const voiceFile = path.join(dir, 'voice.mp3');
    await fs.writeFile(voiceFile, await admin.media(recording.id, voice.mediaId));
    const voiceProbe = await probe(voiceFile);
    expect(voiceProbe.audio.join()).toMatch(/mp3, 16000 Hz, stereo.*16 kb\/s/);

    const muxedFile = path.join(dir, 'muxed.webm');
    await fs.writeFile(muxedFile, await admin.media(recording.id, screen.mediaId));
    const muxed = await probe(muxedFile);
    expect(muxed.video).toHaveLength(1);
    expect(muxed.audio).toHaveLength(1);
    expect(muxed.audio[0]).toMatch(/opus/);
    expect(muxed.durationMs).toBeDefined();
    expect(Math.abs((muxed.durationMs ?? 0) - voice.duration) / voice.duration).toBeLessThan(0.15);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }

  // A supervisor of the agent's group finds the recording and plays it, with sound.
  const supervisor = await logInAt(browser, '/supervisor', 'supervisor1');
  const row = supervisor.locator(`tr[data-recording-id="${recording.id}"]`);
  await expect(row).toContainText('5550142');
  await row.click();
  const video = supervisor.getByTestId('screen-player');
  await expect(video).toBeVisible();
  await video.evaluate((element: HTMLVideoElement) => element.play());
  await expect
    .poll(() => video.evaluate((element: HTMLVideoElement) => element.currentTime), { timeout: 15_000 })
    .toBeGreaterThan(1);
  const playback = await video.evaluate((element: HTMLVideoElement & { webkitAudioDecodedByteCount?: number }) => ({
    muted: element.muted,
    audioBytes: element.webkitAudioDecodedByteCount ?? 0,
    width: element.videoWidth,
  }));
  expect(playback.muted).toBe(false);
  expect(playback.audioBytes).toBeGreaterThan(0);
  expect(playback.width).toBeGreaterThan(0);
  await supervisor.screenshot({ path: testInfo.outputPath('supervisor-playback.png') });

  await agent.context().close();
  await supervisor.context().close();
});
