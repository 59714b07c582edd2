import { expect, test } from '@playwright/test';
import { newCustomer, newDeal, signIn } from './helpers';

test('a readonly user sees no edit controls, and the API refuses the edit anyway', async ({ browser }) => {
  const owner = await signIn(browser, 'ana');
  const auditor = await signIn(browser, 'auditor');
  const customer = await newCustomer(owner.api, { owner_id: 'ana' });
  const deal = await newDeal(owner.api, customer.id);

  await auditor.page.goto(`/customers/${customer.id}`);
  await expect(auditor.page.getByTestId('profile-card')).toBeVisible();
  await expect(auditor.page.getByTestId('field-display_name')).toHaveText(customer.display_name);
  await expect(auditor.page.getByTestId('profile-edit')).toHaveCount(0);

  await auditor.page.goto(`/pipeline?pipeline=${deal.pipeline_id}`);
  await expect(auditor.page.getByTestId(`deal-card-${deal.id}`)).toBeVisible();
  await expect(auditor.page.locator('[aria-roledescription]:has([data-testid^="deal-card-"])')).toHaveCount(0); // not draggable

  const refused = await auditor.api.call('PATCH', `/api/contacts/customers/${customer.id}`,
    { display_name: 'Not allowed' }, { 'If-Match': `"${customer.version}"` });
  expect(refused.status()).toBe(403);
  expect(refused.headers()['content-type']).toContain('application/problem+json');
  const unchanged = await owner.api.ok<{ display_name: string }>('GET', `/api/contacts/customers/${customer.id}`);
  expect(unchanged.display_name).toBe(customer.display_name);
  await owner.context.close();
  await auditor.context.close();
});
