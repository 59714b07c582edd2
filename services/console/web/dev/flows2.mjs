// More click-through checks: tickets, leads import, bulk tag, saved views, 10,000-row table.
//   BASE=http://127.0.0.1:8300 node dev/flows2.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE ?? 'http://127.0.0.1:8300';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const ctx = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'crm-flow-')), {
  executablePath: '/usr/bin/chromium', headless: true, args, viewport: { width: 1440, height: 900 }, acceptDownloads: true,
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
await ctx.addInitScript(() => localStorage.setItem('crm.locale', 'en'));
const ok = (name, cond, extra = '') => console.log(cond ? 'PASS' : 'FAIL', name, extra);
const login = (sub) => page.request.post(BASE + '/auth/dev-login', { data: { sub } });

// ticket: internal note + public reply + status move, as an agent of the ticket's group
await login('admin');
await page.goto(BASE + '/tickets');
await page.waitForSelector('[data-testid="ticket-row"] a');
const href = await page.getAttribute('[data-testid="ticket-row"]:has-text("huang.li") a', 'href');
await login('huang.li');
await page.goto(BASE + href);
await page.waitForSelector('[data-testid="comment-body"]');
await page.click('text=Internal note');
await page.fill('[data-testid="comment-body"]', 'Checked the logs: SSO misconfigured.');
await page.click('[data-testid="comment-send"]');
await page.waitForSelector('[data-testid="comment-internal"]', { timeout: 8000 }).then(() => ok('internal note', true)).catch(() => ok('internal note', false));
await page.click('text=Reply to customer');
await page.fill('[data-testid="comment-body"]', 'We are on it.');
await page.click('[data-testid="comment-send"]');
await page.waitForSelector('[data-testid="comment-public"]', { timeout: 8000 }).then(() => ok('public reply', true)).catch(() => ok('public reply', false));
// a move to a status the ticket is not in (a second run finds it pending already)
const [target, label] = (await page.locator('[data-testid="status-pending"]').count()) ? ['pending', 'Pending'] : ['open', 'Open'];
await page.click(`[data-testid="status-${target}"]`);
await page.waitForFunction((l) => document.querySelector('[data-testid="ticket-status"]')?.textContent === l, label, { timeout: 8000 })
  .then(() => ok('status move', true)).catch(async () => ok('status move', false, await page.textContent('[data-testid="ticket-status"]')));

// leads: CSV import with one bad row
await login('ana');
await page.goto(BASE + '/leads');
await page.waitForSelector('[data-testid="lead-import"]');
const csv = path.join(os.tmpdir(), 'leads.csv');
const n = Date.now() % 100000;
writeFileSync(csv, `first_name,last_name,email,source,score\nImp,One,imp${n}@x.example,web,30\nBad,Row,not-an-email,web,abc\n`);
const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-testid="lead-import"]')]);
await chooser.setFiles(csv);
await page.waitForSelector('[data-testid="import-result"]', { timeout: 10000 }).then(() => ok('import result', true)).catch(() => ok('import result', false));
ok('per-row errors', (await page.$$('[data-testid="import-error-row"]')).length >= 1, await page.textContent('[data-testid="import-result"]').catch(() => ''));
await page.screenshot({ path: path.resolve(import.meta.dirname, '../../../../docs/console/leads-import.png') });

// customers: bulk tag, saved view, CSV export
await page.goto(BASE + '/customers');
await page.waitForSelector('[data-testid="customer-row"]');
await page.fill('[data-testid="customer-search"]', 'Hooli');
await page.waitForTimeout(1200);
await page.locator('[data-testid="customer-row"] input[type=checkbox]').first().check();
await page.fill('[data-testid="bulk-tag-input"]', 'q4');
await page.click('[data-testid="bulk-tag"]');
await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="customer-row"]')].some((r) => r.textContent.includes('q4')), null, { timeout: 10000 })
  .then(() => ok('bulk tag', true)).catch(() => ok('bulk tag', false));
ok('no owner bulk-assign for sales', (await page.$('[data-testid="bulk-assign"]')) === null);
await page.click('[data-testid="saved-views"]');
await page.fill('[data-testid="view-name"]', `Hooli ${n}`);
await page.click('[data-testid="view-save"]');
await page.waitForTimeout(1000);
await page.keyboard.press('Escape');
await page.click('[data-testid="saved-views"]');
ok('saved view listed', await page.isVisible(`[data-testid="saved-view"]:has-text("Hooli ${n}")`));
await page.keyboard.press('Escape');
const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
ok('csv export', download.suggestedFilename().endsWith('.csv'), download.suggestedFilename());

// live stream down -> banner; back -> banner gone
await page.goto(BASE + '/');
await page.waitForSelector('[data-testid="nav-home"]');
await page.route('**/api/live', (route) => route.abort());
await page.evaluate(() => window.dispatchEvent(new Event('offline')));
await page.goto(BASE + '/customers');
await page.waitForSelector('[data-testid="live-banner"]', { timeout: 10000 }).then(() => ok('reconnecting banner', true)).catch(() => ok('reconnecting banner', false));
await page.unroute('**/api/live');
await page.waitForSelector('[data-testid="live-banner"]', { state: 'detached', timeout: 15000 }).then(() => ok('banner hides on reconnect', true)).catch(() => ok('banner hides on reconnect', false));

// 10,000 rows: the list API answered by a stub (pages of 200), scroll to the end
await page.route('**/api/contacts/customers?*', async (route) => {
  const url = new URL(route.request().url());
  const start = Number(url.searchParams.get('cursor') ?? '0');
  const items = Array.from({ length: 200 }, (_, i) => {
    const k = start + i;
    return { id: `c${k}`, kind: 'person', display_name: `Person ${k}`, first_name: null, last_name: null, company_id: null, company_name: null,
      emails: [`p${k}@x.example`], phones: [], address: null, region: 'EMEA', industry: null, owner_id: 'ana', tier: null, segment: null,
      lifecycle_stage: 'lead', consent: {}, tags: [], custom_fields: {}, archived: false, version: 1, created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z', merged_into: null, merged_ids: [] };
  });
  await route.fulfill({ json: { items, next_cursor: start + 200 < 10000 ? String(start + 200) : null } });
});
await page.goto(BASE + '/customers');
await page.waitForSelector('[data-testid="customer-row"]');
const t0 = Date.now();
for (let i = 0; i < 80; i++) {
  await page.evaluate(() => { const el = document.querySelector('[data-testid="customer-table"]'); el.scrollTop = el.scrollHeight; });
  await page.waitForTimeout(100);
  const text = await page.textContent('[data-testid="customer-count"]');
  if (text.startsWith('10,000')) break;
}
const count = await page.textContent('[data-testid="customer-count"]');
const domRows = (await page.$$('[data-testid="customer-row"]')).length;
const fps = await page.evaluate(() => new Promise((resolve) => {
  const el = document.querySelector('[data-testid="customer-table"]');
  let frames = 0; const start = performance.now(); let y = 0;
  function step() { frames++; y += 300; el.scrollTop = y % el.scrollHeight; if (performance.now() - start < 2000) requestAnimationFrame(step); else resolve(frames / 2); }
  requestAnimationFrame(step);
}));
ok('10,000 rows loaded', count.startsWith('10,000'), `${count} in ${Date.now() - t0} ms; ${domRows} rows in the DOM; ${fps} frames/s while scrolling`);
await ctx.close();
