// Admin → Catalogue (a product, a price book) and a quote on a deal from the pipeline board:
// priced from the book, created, sent, its PDF; English and 简体中文 (screenshots under docs/console/).
import { expect, test, type Page } from '@playwright/test';
import { newCustomer, newDeal, signIn, unique } from './helpers';

test.use({ viewport: { width: 1600, height: 1000 } });

const shot = async (page: Page, name: string, fullPage = true) => {
  if (process.env.CRM_SCREENSHOTS) await page.waitForTimeout(600); // the drawer's slide/fade transition ends
  if (process.env.CRM_SCREENSHOTS) await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/${name}.png`, fullPage });
};

test('an admin adds a product and a price book; a rep quotes it on a deal and sends the quote', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const sku = unique('E2E').replace(/\s/g, '-');
  const page = admin.page;
  await page.goto('/admin');
  await page.getByTestId('admin-tab-catalogue').click();
  await page.getByTestId('product-sku').fill(sku);
  await page.getByTestId('product-name').fill('Support plan (年度支持)');
  await page.getByTestId('product-unit').fill('year');
  await page.getByTestId('product-create').click();
  await expect(page.getByTestId(`product-${sku}`)).toBeVisible();
  await page.getByTestId('book-name').fill(`Standard EUR ${sku}`);
  await page.getByTestId('book-currency').fill('EUR');
  await page.getByTestId(`book-price-${sku}`).fill('1200.00');
  await page.getByTestId('book-create').click();
  await expect(page.getByTestId('admin-price-books')).toContainText(`${sku} 1200.00`);
  await shot(page, 'admin-catalogue');

  const rep = await signIn(browser, 'ana');
  const customer = await newCustomer(rep.api, { owner_id: 'ana' });
  const deal = await newDeal(rep.api, customer.id, { currency: 'EUR' });
  const board = rep.page;
  await board.goto(`/pipeline?pipeline=${deal.pipeline_id}`);
  await board.getByTestId(`deal-quotes-${deal.id}`).click();
  const drawer = board.getByTestId('new-quote');
  await drawer.getByTestId('line-product').click();
  await board.getByRole('option', { name: new RegExp(sku) }).click();
  await expect(drawer.getByTestId('line-price')).toHaveValue('1200.00'); // from the price book
  await drawer.getByTestId('line-quantity').fill('2');
  await drawer.getByTestId('line-discount').fill('10');
  await drawer.getByTestId('line-tax').fill('19');
  await drawer.getByTestId('quote-create').click();
  // 2 × 1200 × 0.9 = 2160.00 net, 410.40 tax: 2570.40
  const table = board.getByTestId('quotes-table');
  await expect(table.getByTestId('quote-total')).toHaveText('€2,570.40');
  await expect(table.getByTestId('quote-status')).toHaveText('Draft');
  const pdf = await rep.api.call('GET', (await table.getByTestId('quote-pdf').getAttribute('href')) ?? '');
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');

  await table.getByTestId('quote-send').click();
  await board.getByTestId('send-email').fill('buyer@example.com');
  await board.getByTestId('send-name').fill('Bea Buyer');
  await board.getByTestId('send-confirm').click();
  await expect(table.getByTestId('quote-status')).toHaveText('Sent');
  await expect(table).toContainText('buyer@example.com');
  await shot(board, 'deal-quotes', false); // the drawer: the viewport

  // 简体中文: the same drawer and catalogue, as a user switches
  const zhRep = await signIn(browser, 'ana', { locale: 'zh-CN' });
  await zhRep.page.goto('/');
  await zhRep.page.getByTestId('language-switch').getByText('中文').click();
  await zhRep.page.goto(`/pipeline?pipeline=${deal.pipeline_id}`);
  await zhRep.page.getByTestId(`deal-quotes-${deal.id}`).click();
  await expect(zhRep.page.getByTestId('quotes-table').getByTestId('quote-status')).toHaveText('已发送');
  await shot(zhRep.page, 'deal-quotes-zh', false);
  const zhAdmin = await signIn(browser, 'admin', { locale: 'zh-CN' });
  await zhAdmin.page.goto('/');
  await zhAdmin.page.getByTestId('language-switch').getByText('中文').click();
  await zhAdmin.page.goto('/admin');
  await zhAdmin.page.getByTestId('admin-tab-catalogue').click();
  await expect(zhAdmin.page.getByTestId(`product-${sku}`)).toBeVisible();
  await expect(zhAdmin.page.getByTestId('admin-price-books')).toContainText(`${sku} 1200.00`);
  await expect(zhAdmin.page.getByTestId('admin-products')).toContainText('货号');
  await shot(zhAdmin.page, 'admin-catalogue-zh');
});
