import { expect, test } from '@playwright/test';
import type { Recording } from '@vox/shared';
import { SupervisorSeed } from '../support/supervisor-seed.ts';
import { openSupervisor } from '../support/supervisor-page.ts';

let recording: Recording;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  const seed = await SupervisorSeed.asAdmin(request);
  recording = await seed.recordedCall('5554001', '8005554001', '7002', [{ wait: 1000 }]);
});

test('labels, legal hold and download follow the user rights, and each change is audited', async ({
  browser,
  request,
}) => {
  const seed = await SupervisorSeed.asAdmin(request);
  const supervisor = await openSupervisor(browser, 'supervisor1', `?recording=${recording.id}`);
  await expect(supervisor.getByRole('heading', { name: /5554001/ })).toBeVisible();
  // A supervisor labels and downloads, but does not place legal holds.
  await supervisor.getByLabel('New label').fill('complaint');
  await supervisor.getByRole('button', { name: 'Add label' }).click();
  await expect(supervisor.getByTestId('labels')).toContainText('complaint');
  await supervisor.getByLabel('New label').fill('not a label!');
  await supervisor.getByRole('button', { name: 'Add label' }).click();
  await expect(supervisor.getByRole('alert')).toContainText('is not a label');
  await expect(supervisor.getByRole('button', { name: /legal hold/ })).toHaveCount(0);
  // The link carries no credential: its click asks for a download ticket and follows it.
  const voice = recording.mediaFiles.find((m) => m.type === 'audio/mp3')!;
  const link = supervisor.getByRole('link', { name: /^Voice \(audio\/mp3/ });
  expect(await link.getAttribute('href')).not.toContain('?');
  const [download] = await Promise.all([supervisor.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(voice.mediaId);
  expect(await download.failure()).toBeNull();

  // The admin places a legal hold from the same view, then withdraws supervisor1's download right.
  const admin = await openSupervisor(browser, 'admin', `?recording=${recording.id}`);
  await admin.getByLabel('Reason').fill('case 2026-17');
  await admin.getByRole('button', { name: 'Place legal hold' }).click();
  await expect(admin.getByTestId('legal-hold-state')).toHaveText(/^Under legal hold/);
  await admin.getByRole('button', { name: 'Administration' }).click();
  await admin.getByRole('tab', { name: 'Users' }).click();
  const row = admin.locator('tr[data-username="supervisor1"]');
  await row.getByLabel('may download').uncheck();
  await row.getByRole('button', { name: 'Save' }).click();
  await expect
    .poll(async () => (await seed.audit({ action: 'user-update', actor: 'admin' }))[0]?.details)
    .toEqual({
      role: 'supervisor',
      group: 'sales',
      dn: null,
      mayDownload: false,
    });
  // Without the right, the file is neither fetched with the bearer token nor ticketed for a download.
  const headers = { Authorization: `Bearer ${await SupervisorSeed.tokenOf(request, 'supervisor1')}` };
  const media = `/api/v2/recordings/${recording.id}/media/${voice.mediaId}`;
  expect((await request.get(media, { headers })).status()).toBe(403);
  expect((await request.post(`${media}/ticket`, { headers, data: { purpose: 'download' } })).status()).toBe(403);
  await supervisor.reload();
  await supervisor.getByLabel('Username').fill('supervisor1');
  await supervisor.getByLabel('Password').fill('supervisor1-demo');
  await supervisor.getByRole('button', { name: 'Log in' }).click();
  await expect(supervisor.getByText('downloading it needs a right an admin gives')).toBeVisible();
  await expect(supervisor.getByRole('link', { name: /^Voice \(audio\/mp3/ })).toHaveCount(0);

  const actions = (await seed.audit({ recordingId: recording.id })).map((r) => [r.actor, r.action]);
  expect(actions).toEqual(
    expect.arrayContaining([
      ['supervisor1', 'labels'],
      ['supervisor1', 'download'],
      ['admin', 'legal-hold'],
    ]),
  );
  // Put things back for the other files' tests.
  const restore = await request.patch('/api/v2/admin/users/supervisor1', {
    data: { mayDownload: true },
    headers: { Authorization: `Bearer ${seed.token}` },
  });
  expect(restore.status()).toBe(200);
  await supervisor.context().close();
  await admin.context().close();
});

test('the admin sees the audit log verified, manages users and DN recording, and sees the jobs', async ({
  browser,
  request,
}, testInfo) => {
  const seed = await SupervisorSeed.asAdmin(request);
  const admin = await openSupervisor(browser, 'admin');
  await admin.getByRole('button', { name: 'Administration' }).click();
  await admin.getByRole('button', { name: 'Verify chain' }).click();
  await expect(admin.getByTestId('chain-verification')).toContainText('Chain intact');
  await admin.getByLabel('Action', { exact: true }).selectOption('legal-hold');
  await admin.getByRole('button', { name: 'Filter' }).click();
  await expect(admin.getByTestId('audit-log').locator('tbody tr').first()).toContainText(recording.id);
  await expect(
    admin.getByTestId('audit-log').locator('tbody tr[data-action]:not([data-action="legal-hold"])'),
  ).toHaveCount(0);
  await admin.screenshot({ path: testInfo.outputPath('supervisor-admin-audit.png'), fullPage: true });

  await admin.getByRole('tab', { name: 'Users' }).click();
  const form = admin.getByRole('form', { name: 'New user' });
  await form.getByLabel('Username').fill('supervisor7');
  await form.getByLabel('Password').fill('supervisor7-secret');
  await form.getByLabel('Role').selectOption('supervisor');
  await form.getByLabel('Group').fill('billing');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(admin.locator('tr[data-username="supervisor7"]')).toBeVisible();
  await admin.getByRole('tab', { name: 'Groups' }).click();
  await expect(admin.getByTestId('groups')).toContainText('billing');

  await admin.getByRole('tab', { name: 'DN recording' }).click();
  const dnForm = admin.getByRole('form', { name: 'Configure a DN' });
  await dnForm.getByLabel('DN', { exact: true }).fill('8300');
  await dnForm.getByLabel('Type').selectOption('VoiceTreatmentPort');
  await dnForm.getByRole('button', { name: 'Configure DN' }).click();
  await expect(admin.locator('tr[data-dn="8300"]')).toContainText('8300');
  await expect.poll(async () => (await seed.audit({ action: 'dn-config', limit: 1 }))[0]?.target).toBe('8300');
  expect((await seed.audit({ action: 'user-create', limit: 1 }))[0]).toMatchObject({
    target: 'supervisor7',
    details: { username: 'supervisor7', role: 'supervisor', group: 'billing' },
  });

  // The recorded call's file went through the job queue: stored, then its metadata posted.
  await admin.getByRole('tab', { name: 'Jobs' }).click();
  await expect(admin.getByTestId('backends')).toContainText('(this one): ');
  for (const queue of ['store-media', 'post-media-metadata']) {
    const completed = admin.getByTestId('job-queues').locator('tr', { hasText: queue }).locator('td').nth(5);
    await expect(completed).toHaveText(/^[1-9]\d*$/);
  }
  await admin.screenshot({ path: testInfo.outputPath('supervisor-admin-jobs.png'), fullPage: true });
  await admin.context().close();
});
