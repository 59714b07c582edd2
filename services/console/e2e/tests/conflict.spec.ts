import { expect, test } from '@playwright/test';
import { newCustomer, signIn, unique } from './helpers';

test('two users edit the same field: one saves, the other gets the conflict view, nothing is lost', async ({ browser }) => {
  const first = await signIn(browser, 'ana');
  const second = await signIn(browser, 'li.wei');
  const customer = await newCustomer(first.api, { owner_id: 'ana' });
  for (const u of [first, second]) {
    await u.page.goto(`/customers/${customer.id}`);
    await u.page.getByTestId('profile-edit').click();
  }
  const theirs = unique('Saved first');
  const mine = unique('Saved second');
  await first.page.getByTestId('input-display_name').fill(theirs);
  const saved = first.page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes(customer.id),
    { timeout: 60_000 });
  await first.page.getByTestId('profile-save').click();
  expect((await saved).status()).toBe(200);
  await expect(first.page.getByTestId('field-display_name')).toHaveText(theirs);

  await second.page.getByTestId('input-display_name').fill(mine);
  await second.page.getByTestId('profile-save').click();
  const conflict = second.page.getByTestId('conflict-view');
  await expect(conflict).toBeVisible();
  const row = second.page.getByTestId('conflict-field-display_name');
  await expect(row).toHaveAttribute('data-state', 'conflict');
  await expect(row).toContainText(theirs); // their saved value is shown...
  await expect(row).toContainText(mine); // ...beside mine, unsaved yet

  await second.page.getByTestId('conflict-apply-mine').click();
  await expect(conflict).toBeHidden();
  await expect(second.page.getByTestId('field-display_name')).toHaveText(mine);
  // the first save is not lost: it is in the record's history, and on the first user's page live
  const history = await second.api.ok<{ items: { changes?: Record<string, unknown> }[] }>(
    'GET', `/api/contacts/customers/${customer.id}/history?limit=50`);
  expect(JSON.stringify(history)).toContain(theirs);
  await expect(first.page.getByTestId('field-display_name')).toHaveText(mine);
  await first.context.close();
  await second.context.close();
});
