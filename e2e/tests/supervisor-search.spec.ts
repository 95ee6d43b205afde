import { expect, test } from '@playwright/test';
import type { Recording } from '@vox/shared';
import { logInAt } from '../support/login-page.ts';
import { SupervisorSeed } from '../support/supervisor-seed.ts';
import { openSupervisor, resultIds, searchWith } from '../support/supervisor-page.ts';

// Every call of this file calls from 5552…, so its searches are not disturbed by other files' calls.
const scope = { 'Caller number': '5552*' };
const seeded = {} as Record<'dtmf' | 'short' | 'support' | 'paused' | 'screen', Recording>;

const voiceMs = (r: Recording) =>
  r.mediaFiles.filter((m) => m.type === 'audio/mp3').reduce((s, m) => s + m.duration, 0);
/** Newest first, as the search lists them. */
const newestFirst = (recordings: Recording[]) =>
  [...recordings].sort((a, b) => b.startTime.localeCompare(a.startTime) || b.id.localeCompare(a.id)).map((r) => r.id);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser, request }) => {
  test.setTimeout(180_000);
  const seed = await SupervisorSeed.asAdmin(request);
  seeded.dtmf = await seed.recordedCall('5552001', '8005552001', '7001', [
    { wait: 1200 },
    { digits: '4111', by: 'customer' },
    { wait: 1500 },
    { label: 'coaching' },
  ]);
  seeded.short = await seed.recordedCall('5552002', '8005552002', '7002', [{ wait: 800 }]);
  seeded.support = await seed.recordedCall('5552103', '8005552103', '7003', [{ wait: 800 }]);
  seeded.paused = await seed.recordedCall('5552004', '8005552004', '7001', [
    { wait: 500 },
    { pause: 3500 },
    { wait: 500 },
  ]);
  // A call answered while agent2's desktop is logged in and sharing its screen: it has a screen recording.
  const agent = await logInAt(browser, '/agent', 'agent2');
  const connId = await seed.routeAndAnswer('5552005', '8005552005', '7002');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await seed.release(connId, '7002');
  seeded.screen = await seed.storedRecording(
    connId,
    (r) => r.analytics !== undefined && r.screenRecordings.some((s) => s.thumbnail !== undefined),
  );
  await agent.context().close();
});

const all = () => Object.values(seeded);

test('each filter narrows the search to the seeded calls it names, and the URL says so', async ({ browser }) => {
  const page = await openSupervisor(browser, 'admin');
  const cases: Array<[string, Record<string, string>, Recording[], RegExp]> = [
    [
      'caller number with *',
      { 'Caller number': '55520*' },
      all().filter((r) => r !== seeded.support),
      /callerPhoneNumber=55520\*/,
    ],
    ['dialed number with *', { ...scope, 'Dialed number': '*2004' }, [seeded.paused], /dialedPhoneNumber=\*2004/],
    ['agent', { ...scope, Agent: 'agent1' }, [seeded.dtmf, seeded.paused], /agent=agent1/],
    ['group', { ...scope, Group: 'support' }, [seeded.support], /group=support/],
    ['ConnectionID', { ...scope, ConnectionID: seeded.short.connId }, [seeded.short], /connId=/],
    ['label', { ...scope, Label: 'coaching' }, [seeded.dtmf], /label=coaching/],
    ['min duration', { ...scope, 'Min duration (s)': '2' }, all().filter((r) => voiceMs(r) >= 2000), /minDuration=2/],
    ['max duration', { ...scope, 'Max duration (s)': '2' }, all().filter((r) => voiceMs(r) <= 2000), /maxDuration=2/],
    ['has screen', { ...scope, 'Screen recording': 'true' }, [seeded.screen], /hasScreen=true/],
    [
      'voice only',
      { ...scope, 'Screen recording': 'false' },
      all().filter((r) => r !== seeded.screen),
      /hasScreen=false/,
    ],
    ['DTMF present', { ...scope, 'DTMF heard': 'true' }, all().filter((r) => r.analytics?.pciLeak), /pciLeak=true/],
    [
      'long silence',
      { ...scope, 'Longest silence at least (s)': '3' },
      all().filter((r) => (r.analytics?.longestSilenceMs ?? 0) >= 3000),
      /minLongestSilence=3/,
    ],
  ];
  // Overtalk: the threshold is the most overtalk any seeded call has, so the filter has to tell calls apart.
  const mostOvertalk = Math.max(...all().map((r) => r.analytics?.overtalkMs ?? 0));
  const overtalkThreshold = mostOvertalk > 0 ? mostOvertalk / 1000 : 0.001;
  cases.push([
    'overtalk',
    { ...scope, 'Overtalk at least (s)': String(overtalkThreshold) },
    all().filter((r) => (r.analytics?.overtalkMs ?? 0) >= Math.round(overtalkThreshold * 1000)),
    /minOvertalk=/,
  ]);
  // What the seeded calls must show for the filters above to mean anything.
  expect(seeded.dtmf.analytics?.pciLeak).toBe(true);
  expect(seeded.paused.analytics?.longestSilenceMs).toBeGreaterThanOrEqual(3000);
  expect(seeded.screen.screenRecordings).toHaveLength(1);

  for (const [name, fields, expected, inUrl] of cases) {
    await test.step(name, async () => {
      await searchWith(page, fields);
      await expect.poll(() => resultIds(page), { message: name }).toEqual(newestFirst(expected));
      expect(page.url()).toMatch(inUrl);
    });
  }

  await test.step('date range', async () => {
    const earliest = Math.min(...all().map((r) => Date.parse(r.startTime)));
    const local = (ms: number) => {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    };
    await searchWith(page, { ...scope, From: local(earliest - 10 * 60_000) });
    await expect.poll(() => resultIds(page)).toEqual(newestFirst(all()));
    expect(page.url()).toMatch(/from=/);
    await searchWith(page, { ...scope, To: local(earliest - 60 * 60_000) });
    await expect(page.getByTestId('no-results')).toContainText('No recordings match this search');
  });
});

test('a shared link opens the same search, to the second, and its pages follow the cursor', async ({ browser }) => {
  const from = seeded.support.startTime;
  const page = await openSupervisor(
    browser,
    'admin',
    `?callerPhoneNumber=5552*&from=${encodeURIComponent(from)}&limit=2`,
  );
  const expected = newestFirst(all().filter((r) => r.startTime >= from));
  expect(expected.length).toBeGreaterThan(2);
  await expect.poll(() => resultIds(page)).toEqual(expected.slice(0, 2));
  await page.getByRole('button', { name: 'Next page →' }).click();
  await expect.poll(() => resultIds(page)).toEqual(expected.slice(2, 4));
  expect(page.url()).toMatch(/cursor=/);
  await page.getByRole('button', { name: '← Previous page' }).click();
  await expect.poll(() => resultIds(page)).toEqual(expected.slice(0, 2));
});

test('results sort by duration and start time, and show the screen thumbnail', async ({ browser }, testInfo) => {
  const page = await openSupervisor(browser, 'supervisor1', '?callerPhoneNumber=5552*');
  // supervisor1 (sales) sees the sales calls only.
  const sales = all().filter((r) => r !== seeded.support);
  await expect.poll(() => resultIds(page)).toEqual(newestFirst(sales));
  await page.getByRole('button', { name: /^Duration/ }).click();
  const longestFirst = [...sales].sort((a, b) => voiceMs(b) - voiceMs(a) || b.id.localeCompare(a.id)).map((r) => r.id);
  await expect.poll(() => resultIds(page)).toEqual(longestFirst);
  expect(page.url()).toMatch(/sort=-duration/);
  await page.getByRole('button', { name: /^Duration/ }).click();
  await expect
    .poll(() => resultIds(page))
    .toEqual([...sales].sort((a, b) => voiceMs(a) - voiceMs(b) || a.id.localeCompare(b.id)).map((r) => r.id));
  await page.getByRole('button', { name: /^Start/ }).click();
  await expect.poll(() => resultIds(page)).toEqual(newestFirst(sales));

  const thumbnail = page.locator(`tr[data-recording-id="${seeded.screen.id}"] td.thumbnail img`);
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await page.screenshot({ path: testInfo.outputPath('supervisor-search.png'), fullPage: true });
  await testInfo.attach('supervisor-search', {
    path: testInfo.outputPath('supervisor-search.png'),
    contentType: 'image/png',
  });
});

test('an empty search and a failed search say what to do', async ({ browser }) => {
  const page = await openSupervisor(browser, 'supervisor1');
  await searchWith(page, { 'Caller number': '0000*' });
  await expect(page.getByTestId('no-results')).toContainText('use * in a number');
  await searchWith(page, { ...scope, 'Min duration (s)': 'ten' });
  await expect(page.getByRole('alert')).toContainText('The search failed');
  await expect(page.getByRole('alert')).toContainText('minDuration');
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
});
