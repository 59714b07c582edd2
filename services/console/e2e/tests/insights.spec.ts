// The insights dashboard in 简体中文: a customer's won deal reaches the cohort table (by
// first won month) and the forecast cards; Chinese labels, nothing wider than the window.
// Screenshot under docs/console/ (CRM_SCREENSHOTS) and in the test's output folder.
import { expect, test } from '@playwright/test';
import { newCustomer, newDeal, signIn } from './helpers';

test.use({ viewport: { width: 1440, height: 1000 } });

test('the insights dashboard in 简体中文: cohorts by first won month, no overflow', async ({ browser }, info) => {
  test.setTimeout(300_000); // the won deal crosses sales, the broker and insights' worker on a shared machine
  const admin = await signIn(browser, 'admin');
  const customer = await newCustomer(admin.api);
  const deal = await newDeal(admin.api, customer.id, { amount: '4800.00', currency: 'EUR' });
  await admin.api.ok('POST', `/api/sales/deals/${deal.id}/stage`, { stage: 'closed_won', reason: null }, { 'If-Match': `"${deal.version}"` });
  const month = new Date().toISOString().slice(0, 7); // closed now: this month's cohort
  await admin.context.close();

  const zh = await signIn(browser, 'admin', { locale: 'zh-CN' });
  const page = zh.page;
  await page.goto('/');
  await page.getByTestId('language-switch').getByText('中文').click(); // as a user switches (remembered)
  await page.goto('/dashboards');
  const cohorts = page.getByTestId('insights-cohorts');
  await expect(cohorts.getByRole('heading')).toHaveText('按首次赢单月份的客户同期群');
  // insights' worker applies the won deal (seconds; minutes on a loaded machine): the table follows on a reload
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId(`cohort-${month}`)).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 200_000, intervals: [5_000, 10_000] });
  const row = page.getByTestId(`cohort-${month}`);
  await expect(row).toContainText('100%');
  await expect(cohorts).toContainText('客户数');
  await expect(cohorts).toContainText('+0 个月');
  await expect(page.getByTestId('insights-service')).toContainText('首次响应（小时）');
  // no horizontal overflow: the page, and every insights card, fit their width
  const overflow = await page.evaluate(() => {
    const wide = [...document.querySelectorAll<HTMLElement>('[data-testid^="insights-"]')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto')
      .map((el) => el.dataset.testid);
    return { page: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1, wide };
  });
  expect(overflow).toEqual({ page: false, wide: [] });
  await page.evaluate(() => window.scrollTo(0, 0)); // a full-page shot from the top: the fixed shell stays on top
  await page.screenshot({ path: info.outputPath('insights-dashboard-zh.png'), fullPage: true });
  if (process.env.CRM_SCREENSHOTS) {
    await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/insights-dashboard-zh.png`, fullPage: true });
  }
});
