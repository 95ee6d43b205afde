import { expect, type Browser, type Page } from '@playwright/test';

/** Opens a Vox page in a context of its own and logs in through the form, as a person would. */
export async function logInAt(browser: Browser, page: '/agent' | '/supervisor', username: string): Promise<Page> {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(page);
  await tab.getByLabel('Username').fill(username);
  await tab.getByLabel('Password').fill(`${username}-demo`);
  await tab.getByRole('button', { name: 'Log in' }).click();
  await expect(tab.getByRole('button', { name: 'Log in' })).toHaveCount(0);
  return tab;
}
