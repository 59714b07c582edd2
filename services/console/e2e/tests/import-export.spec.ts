import { expect, test } from '@playwright/test';
import { signIn, unique } from './helpers';

test('customers are imported from a CSV with a dry run first, bad rows reported, a second run creating nothing', async ({ browser }) => {
  const ana = await signIn(browser, 'ana');
  const page = ana.page;
  // letters only: a search with six digits or more is read as a phone number (contacts' `q`), and
  // Date.now() in base 36 plus the random suffix now often has that many
  const tag = unique('imp').toLowerCase().replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]).replace(/[^a-z]/g, '');
  const csv = `Name,E-mail,City\nImp One ${tag},one.${tag}@example.com,Hamburg\nImp Two ${tag},two.${tag}@example.com,北京\nBad ${tag},not-an-email,\n`;
  await page.goto('/customers/import-export');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('import-file').click()]);
  await chooser.setFiles({ name: `${tag}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-mapping')).toBeVisible();

  await page.getByTestId('import-dry-run').click();
  await expect(page.locator('[data-testid="transfer-job"][data-status="done"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('transfer-errors')).toContainText('4');

  await page.getByTestId('import-start').click();
  const job = page.locator('[data-testid="transfer-job"][data-status="done"]');
  await expect(job).toBeVisible({ timeout: 60_000 });
  await expect(job).toContainText('2 Created');
  const found = await ana.api.ok<{ items: { display_name: string }[] }>('GET', `/api/contacts/customers?q=${tag}&limit=10`);
  expect(found.items.map((c) => c.display_name).sort()).toEqual([`Imp One ${tag}`, `Imp Two ${tag}`]);

  await page.getByTestId('import-start').click(); // the same file and mapping: the same job, nothing new
  await expect(job).toContainText('2 Created');
  const again = await ana.api.ok<{ items: unknown[] }>('GET', `/api/contacts/customers?q=${tag}&limit=10`);
  expect(again.items).toHaveLength(2);
  await ana.context.close();
});
