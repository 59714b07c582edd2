import { expect, test } from '@playwright/test';
import { newCustomer, newDeal, signIn } from './helpers';

// The timeline is written in the reader's language from each entry's parts (contacts sends
// English summaries): for the known types no English template word may show in Chinese.
const TEMPLATE_WORDS = /\b(Customer|Deal|Ticket|created|opened|moved|Changed|Merged|won|lost|breached|priority)\b/;

test('the 360 timeline in Chinese shows no English sentence for known event types', async ({ browser }) => {
  const rep = await signIn(browser, 'ana', { locale: 'zh-CN' });
  const n = Date.now().toString(36);
  const customer = await newCustomer(rep.api, { display_name: `时间线测试公司 ${n}`, owner_id: 'ana' });
  const deal = await newDeal(rep.api, customer.id, { name: `扩容项目 ${n}`, currency: 'EUR' });
  await rep.api.ok('POST', `/api/sales/deals/${deal.id}/stage`, { stage: 'qualification', reason: null }, { 'If-Match': `"${deal.version}"` });
  await rep.api.ok('PATCH', `/api/contacts/customers/${customer.id}`, { phones: ['+49 30 7654321'] }, { 'If-Match': `"${customer.version}"` });

  const page = rep.page;
  await page.goto('/');
  await page.evaluate(() => localStorage.setItem('crm.locale', 'zh-CN'));
  await page.goto(`/customers/${customer.id}`);
  const items = page.getByTestId('timeline-item');
  // customer created + changed, deal opened + moved (contacts projects them from the topics)
  await expect(async () => {
    await page.reload();
    await expect(page.locator('[data-testid="timeline-item"][data-type="crm.deal.stage_changed"]')).toHaveCount(1, { timeout: 2_000 });
    await expect(page.locator('[data-testid="timeline-item"][data-type="crm.customer.updated"]')).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });

  const moved = page.locator('[data-testid="timeline-item"][data-type="crm.deal.stage_changed"]');
  await expect(moved).toContainText('初步接触');
  await expect(moved).toContainText('资格确认');
  const changed = page.locator('[data-testid="timeline-item"][data-type="crm.customer.updated"]');
  await expect(changed).toContainText('电话'); // the field, in Chinese, with its before / after values
  await expect(changed).toContainText(/\+49\s?30\s?7654321/);
  for (const item of await items.all()) {
    if ((await item.getAttribute('data-known')) !== 'true') continue;
    const text = await item.innerText();
    expect(text, `${await item.getAttribute('data-type')}: ${text}`).not.toMatch(TEMPLATE_WORDS);
  }
  await page.screenshot({ path: test.info().outputPath('timeline-zh.png'), fullPage: true });
  await rep.context.close();
});
