// Marketing: a segment built in the UI with its preview count, a campaign draft, a customer's
// consent history; English and 简体中文 (screenshots under docs/console/).
import { expect, test } from '@playwright/test';
import { newCustomer, signIn } from './helpers';

test('segments with a preview count, a campaign draft, the consent history', async ({ browser }) => {
  const { page, api, context } = await signIn(browser, 'emma');
  const customer = await newCustomer(api, { kind: 'person', lifecycle_stage: 'lead', tags: ['vip'] });
  await api.ok('POST', `/api/marketing/consents/${customer.id}`, {
    purpose: 'newsletter', channel: 'email', action: 'granted', legal_basis: 'consent', source: 'console',
  });
  await page.goto('/marketing');
  await expect(page.getByRole('heading', { name: 'Marketing' })).toBeVisible();
  const builder = page.getByTestId('segment-builder');
  await builder.getByLabel('Name').fill('VIP leads');
  await builder.getByRole('textbox', { name: 'Value' }).first().fill('true');
  await builder.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview-count')).toContainText('customers match now');
  await builder.getByRole('button', { name: 'Save segment' }).click();
  await expect(page.getByTestId('segments')).toContainText('VIP leads');
  if (process.env.CRM_SCREENSHOTS) await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-segments.png`, fullPage: true });

  await page.getByRole('tab', { name: 'Campaigns' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Spring newsletter');
  await page.getByRole('textbox', { name: 'Segment' }).click();
  await page.getByRole('option', { name: 'VIP leads' }).first().click();
  await page.getByLabel('Subject').fill('Hello {{ first_name }}');
  await page.getByLabel('Text (variables: first_name, unsubscribe_url)').fill('News. Unsubscribe: {{ unsubscribe_url }}');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await expect(page.getByTestId('campaigns')).toContainText('Spring newsletter');
  if (process.env.CRM_SCREENSHOTS) await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-campaigns.png`, fullPage: true });

  await page.goto(`/marketing?customer=${customer.id}`);
  await expect(page.getByTestId('consent-ledger')).toContainText('newsletter');
  await context.close();

  const zh = await signIn(browser, 'zhou.xin', { locale: 'zh-CN' });
  await zh.page.goto(`/marketing?customer=${customer.id}`);
  await expect(zh.page.getByRole('heading', { name: '市场营销' })).toBeVisible();
  await expect(zh.page.getByTestId('consent-ledger')).toContainText('newsletter');
  if (process.env.CRM_SCREENSHOTS) await zh.page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-consent-zh.png`, fullPage: true });
  await zh.context.close();
});
