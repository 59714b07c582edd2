import { expect, test } from '@playwright/test';
import { signIn, unique } from './helpers';

interface User { id: string; version: number }
interface Lead { id: string; owner_id: string | null; owner_inactive?: boolean }

test('a lead whose owner is deactivated (no manager to take it) shows a badge and the filter finds it, in English and 简体中文', async ({ browser }) => {
  test.setTimeout(240_000); // the directory's event through sales' worker, on a shared machine
  const admin = await signIn(browser, 'admin');
  const id = unique('gone').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60);
  // a sales person in no team: nobody to hand their work to
  const user = await admin.api.ok<User>('POST', '/api/directory/users', {
    id, name: 'Gerd Gone', email: `${id}@example.com`, roles: ['sales'], department: 'sales',
  });
  const last = `Inactive${Date.now()}`;
  const lead = await admin.api.ok<Lead>('POST', '/api/sales/leads', { first_name: 'Olga', last_name: last, owner_id: id, source: 'api' },
    { 'Idempotency-Key': crypto.randomUUID() });
  expect(lead.owner_id).toBe(id);
  await admin.api.ok('PUT', `/api/directory/users/${id}/active`, { active: false }, { 'If-Match': String(user.version) });
  await expect.poll(async () => (await admin.api.ok<Lead>('GET', `/api/sales/leads/${lead.id}`)).owner_inactive, { timeout: 60_000 }).toBe(true);

  const page = admin.page;
  await page.goto('/leads');
  await page.getByTestId('filter-owner-inactive').check();
  const row = page.locator(`[data-testid="lead-row"][data-id="${lead.id}"]`);
  await expect(row.getByTestId('owner-inactive')).toHaveText('Owner deactivated');
  await expect(page.getByTestId('lead-row').filter({ hasNot: page.getByTestId('owner-inactive') })).toHaveCount(0);
  if (process.env.CRM_SCREENSHOTS) await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/leads-owner-inactive.png`, fullPage: true });

  const zh = await signIn(browser, 'admin', { locale: 'zh-CN' });
  await zh.page.goto('/');
  await zh.page.getByTestId('language-switch').getByText('中文').click();
  await zh.page.goto('/leads');
  await zh.page.getByTestId('filter-owner-inactive').check();
  await expect(zh.page.locator(`[data-testid="lead-row"][data-id="${lead.id}"]`).getByTestId('owner-inactive')).toHaveText('负责人已停用');
  if (process.env.CRM_SCREENSHOTS) await zh.page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/leads-owner-inactive-zh.png`, fullPage: true });
  await zh.context.close();
  await admin.context.close();
});
