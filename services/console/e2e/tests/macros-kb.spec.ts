// Macros and the knowledge base: a team lead writes a team macro (an unknown placeholder is
// refused) and publishes an article; an agent of the team inserts both into a ticket's reply
// (the macro previewed for the ticket, the article found with a typo) and posts it; the macro's
// status is applied; 简体中文 knowledge base. Screenshots under docs/console/ (CRM_SCREENSHOTS).
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { newCustomer, signIn, unique } from './helpers';

test.use({ viewport: { width: 1500, height: 950 } });

/** The "Saved" toasts closed (they would cover the page; axe also checks only the page). */
const quiet = async (page: Page) => {
  await page.locator('.mantine-Notification-closeButton').evaluateAll((buttons) => buttons.forEach((b) => (b as HTMLElement).click()));
  await expect(page.locator('.mantine-Notification-root')).toHaveCount(0);
};

const shot = async (page: Page, name: string, fullPage = false) => {
  if (!process.env.CRM_SCREENSHOTS) return;
  await page.waitForTimeout(500); // modals' transitions end
  await quiet(page);
  await page.screenshot({ path: `${process.env.CRM_SCREENSHOTS}/${name}.png`, fullPage });
};

/** axe-core: no serious or critical WCAG 2.1 AA violation on the page as it is. */
const accessible = async (page: Page, name: string) => {
  await quiet(page);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, bad.join('\n')).toEqual([]);
};

test('a team macro and a published article go into a ticket reply', async ({ browser }) => {
  test.setTimeout(300_000); // four users, two pages each: minutes on a loaded machine
  const tag = Date.now().toString(36);
  const macroName = `Refund ${tag}`;
  const title = `Reset your password ${tag}`;

  // the team lead (support-l1, support-l2) writes the team's macro
  const lead = await signIn(browser, 'liu.yang');
  await lead.page.goto('/');
  await lead.page.getByTestId('language-switch').getByText('EN').click(); // his profile says 简体中文
  await lead.page.goto('/admin/macros');
  await lead.page.getByTestId('macro-name').fill(macroName);
  await lead.page.getByTestId('macro-team').fill('support-l1');
  await lead.page.getByTestId('macro-body').fill('Hello {{requester.email}}');
  await lead.page.getByTestId('macro-save').click();
  await expect(lead.page.getByTestId('macro-error')).toContainText('requester.email'); // unknown placeholder: 422
  await lead.page.getByTestId('macro-body').fill(
    'Hello {{requester.name}},\n\nwe have refunded the double charge on [#{{ticket.number}}] "{{ticket.subject}}".\n\n{{agent.name}}',
  );
  await lead.page.getByTestId('macro-status').click();
  await lead.page.getByRole('option', { name: 'Pending' }).click();
  await lead.page.getByTestId('macro-save').click();
  await expect(lead.page.getByTestId(`macro-row-${macroName}`)).toBeVisible();
  await shot(lead.page, 'admin-macros');
  await accessible(lead.page, 'macros');

  // ... and an article, published
  await lead.page.getByTestId('nav-knowledge').click();
  await expect(lead.page).toHaveURL(/\/kb$/);
  await lead.page.getByTestId('article-new').click();
  await lead.page.getByTestId('article-title').fill(title);
  await lead.page.getByTestId('article-body').fill('1. Open **Settings → Security**.\n2. Choose *Reset password*.\n\n如何重置密码：打开设置。');
  await lead.page.getByTestId('article-tags').fill('account');
  await lead.page.getByTestId('article-tags').press('Enter');
  await lead.page.getByTestId('article-save').click();
  await expect(lead.page.getByTestId('article-state')).toHaveText('Draft');
  await lead.page.getByTestId('article-publish').click();
  await expect(lead.page.getByTestId('article-state')).toHaveText('Published');
  await shot(lead.page, 'knowledge-base');
  await accessible(lead.page, 'knowledge base');
  const url = await lead.page.getByTestId('article-url').getAttribute('href');
  expect(url).toMatch(/\/help\/articles\//);

  // an agent of the team answers a ticket with both
  const agent = await signIn(browser, 'sara');
  const customer = await newCustomer((await signIn(browser, 'admin')).api);
  const ticket = await agent.api.eventually<{ id: string }>('POST', '/api/service-desk/tickets', {
    customer_id: customer.id, subject: 'Charged twice', channel: 'email', priority: 'normal', group: 'support-l1',
    requester_name: 'Lena Wolf',
  }, { 'Idempotency-Key': crypto.randomUUID() });
  const page = agent.page;
  await page.goto(`/tickets/${ticket.id}`);
  await page.getByTestId('insert-macro').click();
  await page.getByTestId(`macro-${macroName}`).click();
  const preview = page.getByTestId('macro-preview');
  await expect(preview).toHaveValue(/^Hello Lena Wolf,/);
  await expect(preview).toHaveValue(/\[#[A-Z2-7]{8}\] "Charged twice"/);
  await expect(preview).toHaveValue(/Sara Lindqvist$/);
  await expect(page.getByTestId('macro-actions')).toContainText('Pending');
  await shot(page, 'ticket-insert-macro');
  await accessible(page, 'insert macro');
  await page.getByTestId('macro-insert').click();
  await expect(page.getByTestId('comment-body')).toHaveValue(/^Hello Lena Wolf,/);

  await page.getByTestId('link-article').click();
  await page.getByTestId('article-search').fill(`pasword ${tag}`); // a typo
  const hit = page.getByTestId('article-hit').filter({ hasText: title });
  await expect(hit).toBeVisible();
  await shot(page, 'ticket-link-article');
  await hit.click();
  await expect(page.getByTestId('comment-body')).toHaveValue(new RegExp(`${title}: ${url}$`));
  await shot(page, 'ticket-reply-draft');
  await page.getByTestId('comment-send').click();

  const posted = page.getByTestId('comment-public').last();
  await expect(posted).toContainText('Hello Lena Wolf,', { timeout: 90_000 }); // the reply, then the macro's status
  await expect(posted).toContainText(`${title}: ${url}`);
  await expect(page.getByTestId('ticket-status')).toHaveText('Pending'); // the macro's action
  await shot(page, 'ticket-reply-posted', true);

  // the public page
  const publicPage = await agent.context.request.get(url ?? '');
  expect(publicPage.status()).toBe(200);
  expect(await publicPage.text()).toContain('<strong>Settings → Security</strong>');

  // 简体中文: the knowledge base, searched in Chinese
  const zh = await signIn(browser, 'zhao.lei', { locale: 'zh-CN' });
  await zh.page.goto('/');
  await zh.page.getByTestId('language-switch').getByText('中文').click();
  await zh.page.getByTestId('nav-knowledge').click();
  await zh.page.getByTestId('kb-search').fill('重置密码');
  await expect(zh.page.getByTestId('kb-row').filter({ hasText: title })).toBeVisible();
  await zh.page.getByTestId('kb-row').filter({ hasText: title }).click();
  await expect(zh.page.getByTestId('article-state')).toHaveText('已发布');
  await shot(zh.page, 'knowledge-base-zh');
});
