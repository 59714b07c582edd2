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

test('lead scoring rules, a web form and its snippet, a campaign sent at a time; English and 简体中文', async ({ browser }) => {
  const { page, api, context } = await signIn(browser, 'emma');
  await page.goto('/marketing');
  await page.getByRole('tab', { name: 'Lead scoring' }).click();
  const scoring = page.getByTestId('scoring');
  await expect(scoring.getByText(/^Version \d+$/)).toBeVisible();
  await scoring.getByRole('button', { name: 'Add a rule' }).click();
  const row = scoring.getByTestId('score-rules').getByRole('row').last();
  const id = await row.getByRole('cell').first().innerText();
  await row.getByRole('textbox', { name: 'Value' }).fill('web_form');
  await row.getByRole('textbox', { name: 'Points' }).fill('15');
  // A behaviour rule: its field and condition picked from the lists.
  await scoring.getByRole('button', { name: 'Add a rule' }).click();
  const second = scoring.getByTestId('score-rules').getByRole('row').last();
  await second.getByRole('textbox', { name: 'Field' }).click();
  await page.getByRole('option', { name: 'Form submissions' }).click();
  await second.getByRole('textbox', { name: 'Condition' }).click();
  await page.getByRole('option', { name: 'at least' }).click();
  await second.getByRole('textbox', { name: 'Value' }).fill('1');
  await second.getByRole('textbox', { name: 'Points' }).fill('25');
  const id2 = await second.getByRole('cell').first().innerText();
  await scoring.getByRole('button', { name: 'Save rules' }).click();
  await expect(scoring.getByText('Rules saved: leads are re-scored on their next change.')).toBeVisible();
  await page.reload();
  await page.getByRole('tab', { name: 'Lead scoring' }).click();
  await expect(page.getByTestId('score-rules')).toContainText(id);
  const saved = page.getByTestId('score-rules').getByRole('row').filter({ hasText: id2 });
  await expect(saved.getByRole('textbox', { name: 'Field' })).toHaveValue('Form submissions');
  await expect(saved.getByRole('textbox', { name: 'Condition' })).toHaveValue('at least');
  if (process.env.CRM_SCREENSHOTS) await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-scoring.png`, fullPage: true });

  // Someone else saves the rules meanwhile: saving shows that instead of overwriting it.
  const theirs = await api.ok<{ rules: unknown[]; threshold: number; half_life_days: number; version: number }>('GET', '/api/marketing/scoring');
  await api.ok('PUT', '/api/marketing/scoring', { rules: theirs.rules, threshold: theirs.threshold, half_life_days: theirs.half_life_days });
  await page.getByLabel('Threshold (marketing-qualified)').fill('60');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(page.getByTestId('scoring-conflict')).toContainText('Someone else changed the rules');
  await page.getByTestId('scoring-conflict').getByRole('button', { name: 'Reload' }).click();
  await expect(page.getByText(`Version ${theirs.version + 1}`)).toBeVisible();
  await expect(page.getByLabel('Threshold (marketing-qualified)')).toHaveValue(String(theirs.threshold));

  await page.getByRole('tab', { name: 'Web forms' }).click();
  const builder = page.getByTestId('form-builder');
  await builder.getByLabel('Name', { exact: true }).fill('Trade fair sign-up');
  await builder.getByLabel('Consent text (next to the box)').fill('Send me the monthly newsletter.');
  await builder.getByRole('button', { name: 'Create form' }).click();
  await expect(page.getByTestId('forms')).toContainText('Trade fair sign-up');
  const embed = page.getByTestId('form-embed');
  await expect(embed).toContainText('<form method="post"');
  await expect(embed).toContainText('Send me the monthly newsletter.');
  await expect(embed.getByRole('button', { name: 'Copy' })).toBeVisible();
  if (process.env.CRM_SCREENSHOTS) await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-forms.png`, fullPage: true });

  // A draft campaign scheduled for a time: the row shows it scheduled, no longer a draft.
  const name = `Later ${Date.now()}`;
  const nobody = await api.ok<{ id: string }>('POST', '/api/marketing/segments', {
    name: `Nobody ${Date.now()}`, conditions: { match: 'all', conditions: [{ field: 'tags', op: 'contains', value: 'no-such-tag-e2e' }] },
  });
  await api.ok('POST', '/api/marketing/campaigns', {
    name, segment_id: nobody.id, purpose: 'newsletter', subject: 'Later', text: 'Later {{ unsubscribe_url }}',
  });
  await page.getByRole('tab', { name: 'Campaigns' }).click();
  const line = page.getByTestId('campaigns').getByRole('row').filter({ hasText: name });
  await line.getByLabel('Send at').fill('2030-06-01T09:30');
  await line.getByRole('button', { name: 'Schedule' }).click();
  await expect(line).toContainText('Scheduled for');
  await expect(line).toContainText('2030');
  await context.close();

  const zh = await signIn(browser, 'zhou.xin', { locale: 'zh-CN' });
  await zh.page.goto('/marketing');
  await zh.page.getByRole('tab', { name: '线索评分' }).click();
  await expect(zh.page.getByTestId('score-rules')).toContainText(id);
  if (process.env.CRM_SCREENSHOTS) await zh.page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-scoring-zh.png`, fullPage: true });
  await zh.page.getByRole('tab', { name: '网页表单' }).click();
  await zh.page.getByTestId('form-builder').getByLabel('名称', { exact: true }).fill('展会报名');
  await zh.page.getByTestId('form-builder').getByLabel('同意文本（复选框旁）').fill('我愿意接收每月通讯。');
  await zh.page.getByRole('button', { name: '创建表单' }).click();
  await expect(zh.page.getByTestId('form-embed')).toContainText('我愿意接收每月通讯。');
  if (process.env.CRM_SCREENSHOTS) await zh.page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/marketing-forms-zh.png`, fullPage: true });
  await zh.context.close();
});
