import { expect, test, type Page } from '@playwright/test';
import { logInAt } from '../support/login-page.ts';
import { playerClocks } from '../support/player-clocks.ts';
import { SupervisorSeed } from '../support/supervisor-seed.ts';
import { openSupervisor, resultIds, searchWith } from '../support/supervisor-page.ts';

// How far the screen video drifts from the voice in the supervisor's player over a long
// recording: a call of VOX_BENCH_MINUTES (10) minutes is recorded for real (voice by the MCP,
// screen by the agent page under Xvfb), then played back with a seek into every minute, and
// played through at 2x. Prints the figures; takes about 1.6 times the call's length.
const minutes = Number(process.env.VOX_BENCH_MINUTES ?? 10);

async function clocks(page: Page) {
  const c = await playerClocks(page);
  return { audio: c.audio, drift: c.drift, playing: !c.audioPaused && !c.videoPaused && !c.seeking };
}

function summary(name: string, drifts: number[]): string {
  const ms = drifts.map((d) => Math.abs(d) * 1000).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]?.toFixed(0);
  return `${name.padEnd(34)} samples ${String(ms.length).padStart(4)}  median ${at(0.5)} ms  p95 ${at(0.95)} ms  max ${at(1)} ms`;
}

test(`voice and screen drift over a ${minutes}-minute recording`, async ({ browser, request }) => {
  const seed = await SupervisorSeed.asAdmin(request);
  const agent = await logInAt(browser, '/agent', 'agent1');
  await expect(agent.getByTestId('connection')).toHaveText('online');
  const connId = await seed.routeAndAnswer('5559010', '8005559010', '7001');
  await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording');
  console.log(`recording a ${minutes}-minute call...`);
  for (let minute = 1; minute <= minutes; minute++) {
    await agent.waitForTimeout(60_000);
    console.log(`  ${minute} min`);
  }
  await seed.release(connId, '7001');
  await expect(agent.locator(`[data-testid="upload"][data-conn-id="${connId}"]`)).toHaveAttribute(
    'data-state',
    'done',
    { timeout: 120_000 },
  );
  const recording = await seed.storedRecording(connId, (r) => r.screenRecordings.length === 1, 300_000);
  await agent.context().close();

  const page = await openSupervisor(browser, 'supervisor1');
  await searchWith(page, { 'Caller number': '5559010' });
  await expect.poll(() => resultIds(page)).toContain(recording.id);
  await page.locator(`tr[data-recording-id="${recording.id}"]`).click();
  await page.getByTestId('play-toggle').click();
  await expect.poll(async () => (await clocks(page)).audio, { timeout: 60_000 }).toBeGreaterThan(1);

  const duration = (recording.mediaFiles[0]?.duration ?? 0) / 1000;
  const box = (await page.getByTestId('waveform').boundingBox())!;
  const afterSeeks: number[] = [];
  for (let minute = 0; minute < minutes; minute++) {
    const target = minute * 60 + 30;
    await page.mouse.click(box.x + (box.width * target) / duration, box.y + 20);
    await expect
      .poll(
        async () => {
          const c = await clocks(page);
          return c.playing && c.audio > target - 5 && c.audio < target + 10;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await page.waitForTimeout(1_000);
    for (let i = 0; i < 10; i++) {
      afterSeeks.push((await clocks(page)).drift);
      await page.waitForTimeout(200);
    }
  }

  // Played through at 2x from the start, one reading a second.
  await page.getByTestId('speed').selectOption('2');
  await page.mouse.click(box.x + 1, box.y + 20);
  const through: number[] = [];
  const started = Date.now();
  while (Date.now() - started < ((duration - 2) / 2) * 1000) {
    const c = await clocks(page);
    if (c.playing && c.audio > 2) through.push(c.drift);
    await page.waitForTimeout(1_000);
  }
  console.log(`\nplayer drift over a ${(duration / 60).toFixed(1)}-minute recording (video minus voice, absolute):`);
  console.log(summary(`1 s after a seek into each minute`, afterSeeks));
  console.log(summary('played through at 2x', through));
  expect(afterSeeks.length).toBe(minutes * 10);
  expect(through.length).toBeGreaterThan(0);
});
