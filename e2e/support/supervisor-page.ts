import { expect, type Browser, type Page } from '@playwright/test';

/** Opens `/supervisor` (with a query, as a shared link would) in a context of its own and logs in. */
export async function openSupervisor(browser: Browser, username: string, query = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`/supervisor${query}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-demo`);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('signed-in')).toContainText(username);
  return page;
}

/** The ids of the result rows, once the search has answered. */
export async function resultIds(page: Page): Promise<string[]> {
  await expect(page.getByTestId('result-count')).not.toHaveText('Searching…');
  return page
    .locator('tr[data-recording-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-recording-id') ?? ''));
}

const textFilters = [
  'Agent',
  'Group',
  'Caller number',
  'Dialed number',
  'ConnectionID',
  'Label',
  'Min duration (s)',
  'Max duration (s)',
  'Longest silence at least (s)',
  'Overtalk at least (s)',
];

/** Fills the search form afresh with `fields` (label to value) and runs the search. */
export async function searchWith(page: Page, fields: Record<string, string>): Promise<void> {
  const form = page.getByRole('form', { name: 'Search filters' });
  for (const label of textFilters) await form.getByLabel(label, { exact: true }).fill('');
  await form.getByLabel('From', { exact: true }).fill('');
  await form.getByLabel('To', { exact: true }).fill('');
  await form.getByLabel('Screen recording').selectOption('');
  await form.getByLabel('DTMF heard').selectOption('');
  for (const [label, value] of Object.entries(fields)) {
    const field = form.getByLabel(label, { exact: true });
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await form.getByRole('button', { name: 'Search' }).click();
}
