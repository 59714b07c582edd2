import { expect, test } from '@playwright/test';
import { en } from '../../web/src/i18n/en';
import { signIn } from './helpers';
import { screens } from './screens';

function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
const KEYS = keys(en).filter((k) => k.includes('.'));

test('the Chinese locale renders every screen without untranslated keys', async ({ browser }) => {
  const admin = await signIn(browser, 'admin', { locale: 'zh-CN' });
  await admin.page.goto('/');
  await admin.page.getByTestId('language-switch').getByText('中文').click(); // as a user switches (remembered)
  const langs: string[] = [];
  for (const screen of await screens(admin.api)) {
    await test.step(screen.name, async () => {
      await admin.page.goto(screen.path);
      await expect(admin.page.getByTestId('user-menu')).toBeVisible();
      await admin.page.waitForLoadState('networkidle');
      langs.push(`${screen.name}: ${await admin.page.locator('html').getAttribute('lang')}`);
      const text = await admin.page.locator('body').innerText();
      expect(text, `${screen.name}: no Chinese text`).toMatch(/[\u4e00-\u9fff]/);
      const raw = KEYS.filter((k) => new RegExp(`(^|[^\\w.])${k.replaceAll('.', '\\.')}($|[^\\w.])`).test(text));
      expect(raw, `${screen.name} shows translation keys`).toEqual([]);
      const nav = await admin.page.locator('[data-testid^="nav-"]').allInnerTexts();
      for (const label of nav) expect(label, `untranslated navigation on ${screen.name}`).toMatch(/[\u4e00-\u9fff]/);
    });
  }
  // the page declares its language (WCAG 3.1.1), also after a reload with the saved choice
  expect.soft(langs.filter((l) => !l.endsWith('zh-CN')), 'html lang after a reload').toEqual([]);
  await admin.context.close();
});
