import { expect, test } from '@playwright/test';
import { signIn, unique } from './helpers';

interface User { id: string; version: number; teams: string[]; active: boolean }

test('an admin creates a person in a team, the person signs in, is deactivated and is refused within seconds', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const page = admin.page;
  const id = unique('e2e').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60);
  await page.goto('/admin/people');
  await expect(page.getByTestId('person-ana')).toBeVisible(); // the demo people come from the directory
  await page.getByTestId('people-new').click();
  await page.getByTestId('person-id').fill(id);
  await page.getByTestId('person-name').fill('Edda E2E');
  await page.getByTestId('person-email').fill(`${id}@example.com`);
  await page.getByPlaceholder('Choose teams').click();
  await page.getByRole('option', { name: 'Sales East' }).click();
  await page.getByTestId('person-name').click(); // closes the options
  await page.getByTestId('person-save').click();
  await expect(page.getByTestId(`person-${id}`)).toContainText('Sales East');
  const made = await admin.api.ok<User>('GET', `/api/directory/users/${id}`);
  expect(made.teams).toEqual(['sales-east']);

  // the new person signs in (the development sign-in reads the directory) and can call the APIs
  const edda = await signIn(browser, id);
  expect((await edda.api.call('GET', `/api/directory/users/${id}`)).status()).toBe(200);

  // deactivated from the page: their token is refused within seconds, and they cannot sign in again
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId(`person-toggle-${id}`).click();
  await expect(page.getByTestId(`person-${id}`)).toContainText('Deactivated');
  await expect.poll(async () => (await edda.api.call('GET', `/api/directory/users/${id}`)).status(), { timeout: 30_000 }).toBe(401);
  const again = await browser.newContext({ baseURL: process.env.CRM_CONSOLE_URL });
  expect((await again.request.post('/auth/dev-login', { data: { sub: id } })).status()).toBe(403);
  await again.close();
  await edda.context.close();
  await admin.context.close();
});

test('the command palette searches across the CRM, in Chinese too', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const page = admin.page;
  await page.goto('/');
  await page.getByRole('button', { name: /Search/ }).click(); // the header's button opens the palette (as Ctrl+K does)
  const box = page.getByPlaceholder('Search customers, deals, tickets, leads, colleagues…');
  await box.fill('Ana Cost');
  await expect(page.getByText('Ana Costa').first()).toBeVisible();
  await box.fill('李伟');
  await expect(page.getByText('Li Wei 李伟').first()).toBeVisible();
  await admin.context.close();
});
