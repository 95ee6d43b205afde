import { expect, test, type Page } from '@playwright/test';
import type { Recording } from '@vox/shared';
import { logInAt } from '../support/login-page.ts';
import { SupervisorSeed } from '../support/supervisor-seed.ts';
import { playerClocks as clocks } from '../support/player-clocks.ts';
import { openSupervisor, resultIds, searchWith } from '../support/supervisor-page.ts';

let recording: Recording;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser, request }) => {
  test.setTimeout(180_000);
  const seed = await SupervisorSeed.asAdmin(request);
  // agent1's desktop is logged in and shares its screen, so the call has a screen recording.
  const agent = await logInAt(browser, '/agent', 'agent1');
  const connId = await seed.routeAndAnswer('5553001', '8005553001', '7001');
  await seed.runSteps(connId, '5553001', '7001', [
    { wait: 3000 },
    { digits: '12', by: 'customer' },
    { wait: 2000 },
    { pause: 2000 },
    { wait: 5000 },
  ]);
  await seed.release(connId, '7001');
  recording = await seed.storedRecording(connId, (r) => r.analytics !== undefined && r.screenRecordings.length === 1);
  await agent.context().close();
});

async function openRecording(page: Page, id: string): Promise<void> {
  await searchWith(page, { 'Caller number': '5553001' });
  await expect.poll(() => resultIds(page)).toContain(id);
  await page.locator(`tr[data-recording-id="${id}"]`).click();
  await expect(page.getByRole('region', { name: 'Player' })).toBeVisible();
}

test('voice and screen play together and stay within 100 ms after every kind of seek', async ({
  browser,
}, testInfo) => {
  const page = await openSupervisor(browser, 'supervisor1');
  await openRecording(page, recording.id);

  // The waveform is drawn (two channels), with the pause and the DTMF marked.
  await expect
    .poll(() =>
      page.getByTestId('waveform').evaluate((root) => {
        const canvases = (node: Element | ShadowRoot): number =>
          Array.from(node.children).reduce(
            (n, child) =>
              n +
              (child.tagName === 'CANVAS' ? 1 : 0) +
              canvases(child) +
              (child.shadowRoot ? canvases(child.shadowRoot) : 0),
            0,
          );
        return canvases(root);
      }),
    )
    .toBeGreaterThan(0);
  await expect(page.getByTestId('markers')).toContainText('paused 2 s');
  await expect(page.getByTestId('markers')).toContainText('DTMF');
  await expect(page.getByTestId('analytics')).toContainText('DTMF digits heard');

  await page.getByTestId('play-toggle').click();
  await expect.poll(async () => (await clocks(page)).audio).toBeGreaterThan(1);
  const decoded = await page.evaluate(() => {
    const audio = document.querySelector('[data-testid="voice-player"]') as HTMLAudioElement & {
      webkitAudioDecodedByteCount: number;
    };
    const video = document.querySelector('[data-testid="screen-player"]') as HTMLVideoElement & {
      webkitDecodedFrameCount: number;
    };
    return {
      audioBytes: audio.webkitAudioDecodedByteCount,
      frames: video.webkitDecodedFrameCount,
      width: video.videoWidth,
      muted: video.muted,
    };
  });
  expect(decoded.audioBytes).toBeGreaterThan(0);
  expect(decoded.frames).toBeGreaterThan(0);
  expect(decoded.width).toBeGreaterThan(0);
  expect(decoded.muted).toBe(true);

  const drifts: Record<string, number[]> = {};
  const seekAndMeasure = async (name: string, seek: () => Promise<void>, landsAt: (before: number) => number) => {
    const before = (await clocks(page)).audio;
    await seek();
    const target = landsAt(before);
    // Once both have landed and play on, read the two clocks ten times as they run.
    await expect
      .poll(
        async () => {
          const c = await clocks(page);
          return !c.seeking && !c.audioPaused && !c.videoPaused && c.audio > target + 0.3 && c.audio < target + 3;
        },
        { message: `playing again after ${name}` },
      )
      .toBe(true);
    drifts[name] = [];
    for (let i = 0; i < 10; i++) {
      drifts[name].push((await clocks(page)).drift);
      await page.waitForTimeout(100);
    }
  };
  await seekAndMeasure(
    'ArrowRight (+5 s)',
    () => page.keyboard.press('ArrowRight'),
    (t) => t + 5,
  );
  await seekAndMeasure(
    'ArrowLeft (-5 s)',
    () => page.keyboard.press('ArrowLeft'),
    (t) => Math.max(0, t - 5),
  );
  const waveform = page.getByTestId('waveform');
  const box = (await waveform.boundingBox())!;
  const duration = recording.mediaFiles[0]!.duration / 1000;
  await seekAndMeasure(
    'click on the waveform at 60%',
    () => page.mouse.click(box.x + box.width * 0.6, box.y + 20),
    () => duration * 0.6,
  );
  await seekAndMeasure(
    'seek on the video to 3 s',
    () => page.getByTestId('screen-player').evaluate((v: HTMLVideoElement) => void (v.currentTime = 3)),
    () => 3,
  );
  await page.getByTestId('speed').selectOption('1.5');
  await seekAndMeasure(
    'at 1.5x, ArrowLeft',
    () => page.keyboard.press('ArrowLeft'),
    (t) => Math.max(0, t - 5),
  );
  const rates = await clocks(page);
  expect(rates.audioRate).toBe(1.5);
  expect(Math.abs(rates.videoRate - 1.5)).toBeLessThanOrEqual(0.375);

  const all = Object.values(drifts).flat();
  const worst = Math.max(...all.map(Math.abs));
  await testInfo.attach('drift-ms', {
    body: JSON.stringify(
      {
        worstMs: Math.round(worst * 1000),
        samples: Object.fromEntries(Object.entries(drifts).map(([k, v]) => [k, v.map((d) => Math.round(d * 1000))])),
      },
      null,
      2,
    ),
    contentType: 'application/json',
  });
  console.log(
    `worst drift after seeks: ${Math.round(worst * 1000)} ms over ${all.length} samples`,
    JSON.stringify(drifts),
  );
  // In sync is what is checked here: once the player has caught up (the last half of each
  // series, 0.5 s on) within 100 ms, and never visibly apart (250 ms) even as it lands. How close
  // it stays over a long recording is measured by `npm run bench -- player-drift`.
  const settled = Math.max(...Object.values(drifts).flatMap((series) => series.slice(5).map(Math.abs)));
  expect(settled).toBeLessThan(0.1);
  expect(worst).toBeLessThan(0.25);

  // Space pauses both.
  await page.keyboard.press(' ');
  await expect
    .poll(async () => {
      const c = await clocks(page);
      return c.audioPaused && c.videoPaused;
    })
    .toBe(true);
  await page.screenshot({ path: testInfo.outputPath('supervisor-player.png'), fullPage: true });
  await testInfo.attach('supervisor-player', {
    path: testInfo.outputPath('supervisor-player.png'),
    contentType: 'image/png',
  });
  await page.context().close();
});

test("the ladder shows the call's INVITE and its MSML INFOs, each opening to its full text", async ({ browser }) => {
  const page = await openSupervisor(browser, 'supervisor1', `?recording=${recording.id}`);
  const ladder = page.getByTestId('ladder');
  await expect(ladder).toContainText('SIP Server');
  await expect(ladder).toContainText('Resource Manager');
  const rows = ladder.locator('li[data-seq]');
  const invite = rows.filter({ hasText: /INVITE sip:msml=/ }).first();
  await expect(invite).toBeVisible();
  for (const msml of ['dialogstart', 'send', 'dialogend']) {
    await expect(rows.filter({ hasText: new RegExp(`INFO .*\\(MSML ${msml}\\)`) }).first()).toBeVisible();
  }
  await expect(rows.filter({ hasText: '(DTMF 1)' }).first()).toBeVisible();
  const start = rows.filter({ hasText: '(MSML dialogstart)' }).first();
  await start.locator('summary').click();
  await expect(start.locator('pre')).toContainText('<dialogstart');
  await expect(start.locator('pre')).toContainText('Content-Type: application/msml+xml');
  await invite.locator('summary').click();
  await expect(invite.locator('pre')).toContainText('X-Genesys-ConnID');
  await page.context().close();
});

test('each playback is audited: the voice file once per opening, and the screen recording', async ({
  browser,
  request,
}) => {
  const seed = await SupervisorSeed.asAdmin(request);
  const voice = recording.mediaFiles.find((m) => m.type === 'audio/mp3')!;
  const screen = recording.screenRecordings[0]!;
  const voicePlaybacks = async () =>
    (await seed.audit({ recordingId: recording.id, action: 'playback', actor: 'supervisor1', limit: 1000 })).filter(
      (r) => r.target === `${recording.id}/${voice.mediaId}`,
    ).length;
  const before = await voicePlaybacks();
  expect(before).toBeGreaterThanOrEqual(2);
  const page = await openSupervisor(browser, 'supervisor1', `?recording=${recording.id}`);
  await expect(page.getByTestId('play-toggle')).toBeEnabled();
  await expect.poll(voicePlaybacks).toBe(before + 1);
  const records = await seed.audit({ recordingId: recording.id, action: 'playback' });
  expect(records.some((r) => r.actor === 'supervisor1' && r.target === `${recording.id}/${screen.mediaId}`)).toBe(true);
  // The still in the search results is a preview, kept apart from playbacks.
  const thumbnail = `${recording.id}/${screen.thumbnail}`;
  expect(records.some((r) => r.target === thumbnail)).toBe(false);
  const previews = await seed.audit({ recordingId: recording.id, action: 'preview' });
  expect(previews.some((r) => r.actor === 'supervisor1' && r.target === thumbnail)).toBe(true);
  // The admin's audit view lists them too.
  const admin = await openSupervisor(browser, 'admin');
  await admin.getByRole('button', { name: 'Administration' }).click();
  await admin.getByLabel('User', { exact: true }).selectOption('supervisor1');
  await admin.getByLabel('Recording', { exact: true }).fill(recording.id);
  await admin.getByLabel('Action', { exact: true }).selectOption('playback');
  await admin.getByRole('button', { name: 'Filter' }).click();
  const rows = admin.getByTestId('audit-log').locator('tbody tr');
  await expect(rows.first()).toContainText('supervisor1');
  await expect(rows.filter({ hasNotText: 'supervisor1' })).toHaveCount(0);
  await expect(admin.getByTestId('audit-log')).toContainText(voice.mediaId);
  await page.context().close();
  await admin.context().close();
});

test('a supervisor of another group can neither find nor open the recording, in the UI or the API', async ({
  browser,
  request,
}) => {
  const page = await openSupervisor(browser, 'supervisor2');
  await searchWith(page, { ConnectionID: recording.connId });
  await expect(page.getByTestId('no-results')).toBeVisible();
  await page.goto(`/supervisor?recording=${recording.id}`);
  await page.getByLabel('Username').fill('supervisor2');
  await page.getByLabel('Password').fill('supervisor2-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText(`Recording ${recording.id} cannot be opened`);
  await expect(page.getByTestId('play-toggle')).toHaveCount(0);

  const token = await SupervisorSeed.tokenOf(request, 'supervisor2');
  const headers = { Authorization: `Bearer ${token}` };
  const voice = recording.mediaFiles[0]!.mediaId;
  for (const path of [
    `/api/v2/recordings/${recording.id}`,
    `/api/v2/recordings/${recording.id}/ladder`,
    `/api/v2/recordings/${recording.id}/media/${voice}`,
    `/api/v2/recordings/${recording.id}/media/${recording.screenRecordings[0]!.mediaId}?download=1`,
  ]) {
    expect((await request.get(path, { headers })).status(), path).toBe(404);
  }
  const seed = await SupervisorSeed.asAdmin(request);
  expect(await seed.audit({ recordingId: recording.id, actor: 'supervisor2' })).toEqual([]);
  await page.context().close();
});
