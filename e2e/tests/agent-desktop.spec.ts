import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { logInAt } from '../support/login-page.ts';
import { videoTimeline } from '../support/media-probe.ts';
import { VoxApi } from '../support/vox-api.ts';

const pauseMsgId = 3015;
const resumeMsgId = 3016;

test('the agent view follows a call through pause, resume and transfer; the screen matches the voice timeline', async ({
  browser,
  request,
}, testInfo) => {
  const admin = await VoxApi.login(request, 'admin', 'admin-demo');
  const agent = await logInAt(browser, '/agent', 'agent1');
  await expect(agent.getByTestId('connection')).toHaveText('online');

  // Ready / Not Ready goes through the backend and back (the backend keeps it across logins).
  const agentState = agent.getByTestId('agent-state');
  await expect(agentState).toHaveText(/^(Not )?Ready$/);
  if ((await agentState.textContent()) === 'Ready') {
    await agent.getByRole('button', { name: 'Set Not Ready' }).click();
    await expect(agentState).toHaveText('Not Ready');
  }
  await agent.getByRole('button', { name: 'Set Ready' }).click();
  await expect(agentState).toHaveText('Ready');

  const call = await admin.routeCall({ ani: '5550177', dnis: '8005550100', targetDn: '7001', record: 'source' });
  const card = agent.getByTestId('call');
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(agent.getByTestId('recording-indicator')).toHaveText('● Recording');
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording');
  await expect(card.getByTestId('parties')).toContainText('5550177');
  await agent.waitForTimeout(3_000);

  // The recording is paused mid-call (GSIP_RECORD_PAUSE): the agent sees it, the screen pauses.
  await admin.privateService(call.connId, '7001', pauseMsgId);
  await expect(agent.getByTestId('recording-indicator')).toHaveText('❚❚ Recording paused');
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'paused');
  await agent.screenshot({ path: testInfo.outputPath('agent-paused.png') });
  await agent.waitForTimeout(4_000);
  await admin.privateService(call.connId, '7001', resumeMsgId);
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording');
  await agent.waitForTimeout(3_000);

  // The agent transfers the call to 7002 from the desktop: its screen recording ends there,
  // the call (and its recording) goes on with the agent on 7002.
  await card.getByLabel('Transfer or conference to DN').fill('7002');
  await card.getByRole('button', { name: 'Transfer' }).click();
  await expect(agent.getByTestId('call')).toHaveCount(0);
  const leftAt = Date.now();
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'idle');
  await expect(agent.locator(`[data-testid="upload"][data-conn-id="${call.connId}"]`)).toHaveAttribute(
    'data-state',
    'done',
    { timeout: 30_000 },
  );
  await agent.screenshot({ path: testInfo.outputPath('agent-uploaded.png') });
  await admin.callAction(call.connId, 'answer', { dn: '7002' });
  await agent.waitForTimeout(2_000);
  await admin.callAction(call.connId, 'release', { dn: '7002' });

  const recording = await admin.recordingWithScreens(call.callUuid, 1, 45_000);
  const voice = recording.mediaFiles[0];
  const screen = recording.screenRecordings[0];
  if (!voice || !screen) throw new Error('voice or screen media missing');
  expect(screen.interrupted).toBeUndefined();
  const [pause] = voice.pauses;
  if (!pause) throw new Error('the voice recording has no pause');
  expect(pause.duration).toBeGreaterThan(3_000);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-e2e-agent-'));
  try {
    const muxedFile = path.join(dir, 'muxed.webm');
    await fs.writeFile(muxedFile, await admin.media(recording.id, screen.mediaId));
    const timeline = await videoTimeline(muxedFile);
    const voiceStart = Date.parse(voice.startTime);
    // The screen starts with the voice (the agent's desktop reacts to RecordingStarted)...
    expect(timeline.firstFrame).toBeLessThan(2);
    // ...and ends when the agent left the call, on the voice's clock.
    expect(Math.abs(timeline.lastFrame - (leftAt - voiceStart) / 1000)).toBeLessThan(2);
    // The paused stretch is black on screen where the voice is silent.
    const black = timeline.black.find((b) => b.end - b.start > 2);
    expect(black, `black stretches: ${JSON.stringify(timeline.black)}`).toBeDefined();
    expect(Math.abs((black?.start ?? 0) - pause.offset / 1000)).toBeLessThan(1);
    expect(Math.abs((black?.end ?? 0) - (pause.offset + pause.duration) / 1000)).toBeLessThan(1);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  await agent.context().close();
});

test('a screen recording cut by closing the page is finished and uploaded at the next login', async ({
  browser,
  request,
}) => {
  const admin = await VoxApi.login(request, 'admin', 'admin-demo');
  const agent = await logInAt(browser, '/agent', 'agent1');
  await expect(agent.getByTestId('connection')).toHaveText('online');
  const call = await admin.routeCall({ ani: '5550188', dnis: '8005550100', targetDn: '7001', record: 'source' });
  await agent.getByTestId('call').getByRole('button', { name: 'Answer' }).click();
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording');
  // Two 2-second chunks reach IndexedDB, then the page goes away without a word.
  await agent.waitForTimeout(5_000);
  await agent.reload();
  await agent.getByLabel('Username').fill('agent1');
  await agent.getByLabel('Password').fill('agent1-demo');
  await agent.getByRole('button', { name: 'Log in' }).click();

  // The call is still recorded, so a new screen recording starts; the cut one goes up.
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording');
  await expect(agent.locator(`[data-testid="upload"][data-conn-id="${call.connId}"][data-state="done"]`)).toHaveCount(
    1,
    { timeout: 30_000 },
  );
  await admin.callAction(call.connId, 'release', { dn: '7001' });

  const recording = await admin.recordingWithScreens(call.callUuid, 2, 45_000);
  const cut = recording.screenRecordings.find((s) => s.interrupted === 'crash');
  expect(cut, JSON.stringify(recording.screenRecordings)).toBeDefined();
  expect(cut?.duration).toBeGreaterThan(0);
  await agent.context().close();
});

test('a supervisor who logs in at the agent page is sent to the supervisor view', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/agent');
  await page.getByLabel('Username').fill('supervisor1');
  await page.getByLabel('Password').fill('supervisor1-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/supervisor$/);
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await context.close();
});
