import { expect, test } from '@playwright/test';

test('the development sign-in lists the demo users and signs one in', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('dev-user-ana').click();
  await expect(page.getByTestId('user-menu')).toBeVisible();
  await expect(page.getByTestId('nav-customers')).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'crm_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');
  // the page's script cannot read the session
  expect(await page.evaluate(() => document.cookie)).not.toContain('crm_session');
  await page.getByTestId('user-menu').click();
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('dev-user-ana')).toBeVisible();
});
