import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { signIn } from './helpers';
import { screens } from './screens';

test('axe-core on every screen: no serious or critical violation', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const found: string[] = [];
  const pages = [{ name: 'sign-in', path: '/' }, ...(await screens(admin.api))];
  for (const screen of pages) {
    await test.step(screen.name, async () => {
      const anonymous = screen.name === 'sign-in' ? await browser.newContext({ baseURL: process.env.CRM_CONSOLE_URL }) : null;
      const page = anonymous ? await anonymous.newPage() : admin.page;
      await page.goto(screen.path);
      await expect(page.getByTestId(screen.name === 'sign-in' ? 'dev-user-ana' : 'user-menu')).toBeVisible();
      await page.waitForLoadState('networkidle');
      const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
        found.push(`${screen.name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
      await anonymous?.close();
    });
  }
  expect(found, found.join('\n')).toEqual([]);
  await admin.context.close();
});
