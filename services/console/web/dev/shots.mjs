// Screenshots + axe-core check with Debian's Chromium (local trials; not part of the build).
//   BASE=http://127.0.0.1:5300 node dev/shots.mjs [out-dir]
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE ?? 'http://127.0.0.1:5300';
const out = process.argv[2] ?? path.resolve(import.meta.dirname, '../../../../docs/console');
const axeSource = readFileSync(path.resolve(import.meta.dirname, '../node_modules/axe-core/axe.min.js'), 'utf8');
const only = process.env.ONLY?.split(',');

const ctx = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'crm-shot-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
page.on('console', (m) => { if (m.type() === 'error') console.log('CONSOLE', m.text().slice(0, 300)); });

async function signIn(sub, locale = 'en') {
  await page.goto(BASE + '/');
  await page.evaluate((l) => localStorage.setItem('crm.locale', l), locale);
  await page.request.post(BASE + '/auth/logout', { headers: { 'X-CSRF-Token': 'dev-csrf' } });
  await page.request.post(BASE + '/auth/dev-login', { data: { sub } });
}

async function axe(name) {
  await page.addScriptTag({ content: axeSource });
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, target: v.nodes.slice(0, 3).map((n) => n.html.slice(0, 120) + ' ' + (n.any[0]?.message ?? '').slice(0, 90)), help: v.help }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  console.log(`AXE ${name}: ${bad.length} serious/critical`, JSON.stringify(bad));
}

async function shot(name, url, waitFor, extra) {
  if (only && !only.includes(name)) return;
  await page.goto(BASE + url);
  if (waitFor) await page.waitForSelector(waitFor, { timeout: 15000 }).catch(() => console.log('TIMEOUT', name, waitFor));
  await page.waitForTimeout(2500);
  if (extra) await extra();
  await page.screenshot({ path: path.join(out, `${name}.png`) });
  await axe(name);
}

await page.goto(BASE + '/favicon.ico').catch(() => undefined);
await ctx.clearCookies();
if (!only || only.includes('sign-in')) {
  await page.goto(BASE + '/');
  await page.waitForSelector('[data-testid^="dev-user-"]');
  await page.screenshot({ path: path.join(out, 'sign-in.png') });
  await axe('sign-in');
}
await signIn('admin');
const firstCustomer = async () => {
  await page.goto(BASE + '/customers');
  await page.waitForSelector('[data-testid="customer-row"]');
  // SHOT_CUSTOMER: the name of the customer shown (default Acme Ltd, from dev/seed.mjs), else the first row
  const named = page.locator(`[data-testid="customer-row"]:has-text("${process.env.SHOT_CUSTOMER ?? 'Acme Ltd'}")`).first();
  if (await named.count()) return named.getAttribute('data-id');
  return page.locator('[data-testid="customer-row"]').first().getAttribute('data-id');
};
await shot('customers', '/customers', '[data-testid="customer-row"]');
const cid = await firstCustomer();
await shot('customer-360', `/customers/${cid}`, '[data-testid="profile-card"]');
await shot('pipeline', '/pipeline', '[data-testid^="deal-card-"]');
await shot('leads', '/leads', '[data-testid="lead-row"]');
await shot('tickets', '/tickets', '[data-testid="ticket-row"]');
await shot('dashboards', '/dashboards', '.recharts-surface');
await shot('admin', '/admin', '[data-testid="admin-pipelines"]');
await shot('admin-assignment', '/admin', '[data-testid="admin-pipelines"]', async () => {
  await page.click('[data-testid="admin-tab-assignment"]');
  await page.waitForSelector('[data-testid="admin-assignment"]');
  await page.waitForTimeout(500);
});
await shot('admin-sla', '/admin', '[data-testid="admin-pipelines"]', async () => {
  await page.click('[data-testid="admin-tab-sla"]');
  await page.waitForSelector('[data-testid="sla-edit"]');
  await page.locator('[data-testid="sla-edit"]').first().click();
  await page.waitForTimeout(500);
});
const tid = await (async () => { await page.goto(BASE + '/tickets'); await page.waitForSelector('[data-testid="ticket-row"] a'); return (await page.getAttribute('[data-testid="ticket-row"] a', 'href')).split('/').pop(); })();
await shot('ticket', `/tickets/${tid}`, '[data-testid="ticket-subject"]');
await signIn('li.wei', 'zh-CN');
await shot('pipeline-zh', '/pipeline', '[data-testid^="deal-card-"]');
await shot('customer-360-zh', `/customers/${cid}`, '[data-testid="profile-card"]');
await signIn('ana');
await shot('home', '/', '[data-testid="home-deals"] a');
await signIn('sara');
await shot('home-agent', '/', '[data-testid="home-tickets"] a');
await shot('tickets-agent', '/tickets', '[data-testid="ticket-row"]');
await ctx.close();
