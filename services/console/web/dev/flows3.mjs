// Create flows: customer, deal and ticket from the console.  BASE=http://127.0.0.1:8300 node dev/flows3.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE ?? 'http://127.0.0.1:8300';
const ctx = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'crm-flow-')), {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1440, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
await ctx.addInitScript(() => localStorage.setItem('crm.locale', 'en'));
const ok = (name, cond, extra = '') => console.log(cond ? 'PASS' : 'FAIL', name, extra);
await page.request.post(BASE + '/auth/dev-login', { data: { sub: 'admin' } });
const n = Date.now() % 100000;
await page.goto(BASE + '/customers');
await page.click('[data-testid="new-customer"]');
await page.fill('[data-testid="new-customer-name"]', `Newco ${n}`);
await page.click('[data-testid="new-customer-save"]');
await page.waitForSelector(`[data-testid="customer-name"]:has-text("Newco ${n}")`, { timeout: 10000 }).then(() => ok('customer created', true)).catch(() => ok('customer created', false));
await page.click('[data-testid="new-deal"]');
await page.fill('[data-testid="new-deal-name"]', `Newco deal ${n}`);
await page.fill('[data-testid="new-deal-amount"]', '25000');
await page.click('[data-testid="new-deal-save"]');
await page.waitForSelector(`[data-testid="customer-deals"] :text("Newco deal ${n}")`, { timeout: 15000 }).then(() => ok('deal created', true)).catch(() => ok('deal created', false));
await page.click('[data-testid="new-ticket"]');
await page.fill('[data-testid="new-ticket-subject"]', `Newco ticket ${n}`);
await page.click('[data-testid="new-ticket-save"]');
await page.waitForSelector(`[data-testid="ticket-subject"]:has-text("Newco ticket ${n}")`, { timeout: 15000 }).then(() => ok('ticket created', true)).catch(() => ok('ticket created', false));
await ctx.close();
