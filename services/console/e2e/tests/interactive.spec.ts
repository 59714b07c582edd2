import { expect, test } from '@playwright/test';
import { newCustomer, newDeal, report, signIn } from './helpers';

// Time to interactive as a user sees it: from navigation until the first row of the
// customer list, or the board's columns with a card, can be used. Printed, not asserted.
test('the customer list and the board become usable (times printed)', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const customer = await newCustomer(admin.api);
  await newDeal(admin.api, customer.id);
  const { page } = admin;

  let start = Date.now();
  await page.goto('/customers');
  await expect(page.getByTestId('customer-row').first()).toBeVisible({ timeout: 30_000 });
  report('customer list interactive after', start);

  start = Date.now();
  await page.goto('/pipeline');
  await expect(page.locator('[data-testid^="deal-card-"]').first()).toBeVisible({ timeout: 30_000 });
  report('board interactive after', start);
  await admin.context.close();
});
