// Click-through checks of the key flows against a running dev server (local trials).
//   BASE=http://127.0.0.1:5300 node dev/flows.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE ?? 'http://127.0.0.1:5300';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
async function browser(sub, locale = 'en') {
  const ctx = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'crm-flow-')), {
    executablePath: '/usr/bin/chromium', headless: true, args, viewport: { width: 1440, height: 900 },
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => console.log('PAGEERROR', sub, e.message));
  await ctx.addInitScript((l) => localStorage.setItem('crm.locale', l), locale);
  await page.request.post(BASE + '/auth/dev-login', { data: { sub } });
  return { ctx, page };
}
const ok = (name, cond, extra = '') => console.log(cond ? 'PASS' : 'FAIL', name, extra);

const { ctx: a, page: pa } = await browser('ana');
const { ctx: b, page: pb } = await browser('admin');

// customer: ana edits, admin changes the same field meanwhile → conflict view
await pa.goto(BASE + '/customers');
await pa.waitForSelector('[data-testid="customer-row"]');
const id = await pa.getAttribute('[data-testid="customer-row"]:has-text("Hooli")', 'data-id');
await pa.goto(`${BASE}/customers/${id}`);
await pb.goto(`${BASE}/customers/${id}`);
await pa.waitForSelector('[data-testid="profile-edit"]', { timeout: 60000 }).catch(async (e) => { await pa.screenshot({ path: '/tmp/fe/noedit.png' }); throw e; });
await pa.click('[data-testid="profile-edit"]');
await pa.fill('[data-testid="input-industry"]', `Ana ${Date.now() % 100000}`);
await pa.fill('[data-testid="input-region"]', `R${Date.now() % 1000}`);
await pb.waitForSelector('[data-testid="profile-edit"]').catch(async (e) => { await pb.screenshot({ path: '/tmp/fe/noedit-b.png' }); throw e; });
await pb.click('[data-testid="profile-edit"]');
await pb.fill('[data-testid="input-industry"]', `Admin ${Date.now() % 100000}`);
await pb.click('[data-testid="profile-save"]');
await pb.waitForSelector('[data-testid="profile-edit"]').catch(async (e) => { await pb.screenshot({ path: '/tmp/fe/noedit-b.png' }); throw e; });
await pa.waitForSelector('[data-testid="changed-by-notice"]', { timeout: 8000 }).then(() => ok('live changed-by notice', true)).catch(() => ok('live changed-by notice', false));
ok('notice text', true, await pa.textContent('[data-testid="changed-by-notice"]').catch(() => ''));
await pa.click('[data-testid="profile-save"]');
await pa.waitForSelector('[data-testid="conflict-view"]', { timeout: 8000 }).then(() => ok('conflict view on 412', true)).catch(() => ok('conflict view on 412', false));
const states = await pa.$$eval('[data-testid^="conflict-field-"]', (els) => els.map((e) => `${e.getAttribute('data-testid')}=${e.getAttribute('data-state')}`));
ok('conflict fields', states.includes('conflict-field-industry=conflict') && states.includes('conflict-field-region=mine'), states.join(' '));
await pa.screenshot({ path: path.resolve(import.meta.dirname, '../../../../docs/console/conflict-view.png') });
await pa.click('[data-testid="conflict-apply-mine"]');
await pa.waitForSelector('[data-testid="conflict-view"]', { state: 'detached', timeout: 8000 }).catch(async () => {
  console.log('STILL OPEN', await pa.textContent('[data-testid="conflict-view"]'));
  await pa.screenshot({ path: '/tmp/fe/conflict-stuck.png' });
});
await pa.waitForFunction(() => document.querySelector('[data-testid="field-industry"]')?.textContent?.startsWith('Ana '), null, { timeout: 8000 }).catch(() => undefined);
ok('apply mine saved', (await pa.textContent('[data-testid="field-industry"]')) .startsWith('Ana '), await pa.textContent('[data-testid="field-industry"]'));

// board: keyboard drag of one of ana's deals to the next stage; admin sees it move live
await pa.goto(BASE + '/pipeline');
await pb.goto(BASE + '/pipeline');
await pa.waitForSelector('[data-testid^="deal-card-"]');
const stages = ['initial_contact', 'qualification', 'proposal', 'negotiation'];
let from = null;
for (const s of stages.slice(0, 3)) if (await pa.$(`[data-testid="board-column-${s}"] [data-testid^="deal-card-"]`)) { from = s; break; }
const to = stages[stages.indexOf(from) + 1];
const card = await pa.$(`[data-testid="board-column-${from}"] [data-testid^="deal-card-"]`);
const dealTestId = await card.getAttribute('data-testid');
const handle = await pa.$(`[data-testid="board-column-${from}"] div[role="button"]:has([data-testid="${dealTestId}"])`);
await handle.focus();
await pa.keyboard.press('Space');
await pa.waitForTimeout(300);
await pa.keyboard.press('ArrowRight');
await pa.waitForTimeout(300);
await pa.keyboard.press('Space');
await pa.waitForSelector(`[data-testid="board-column-${to}"] [data-testid="${dealTestId}"]`, { timeout: 8000 })
  .then(() => ok(`keyboard drag moved the deal ${from} -> ${to}`, true)).catch(() => ok('keyboard drag moved the deal', false));
await pb.waitForSelector(`[data-testid="board-column-${to}"] [data-testid="${dealTestId}"]`, { timeout: 8000 })
  .then(() => ok('other user sees the move live', true)).catch(() => ok('other user sees the move live', false));

// won dialog asks for a reason
const h2 = await pa.$(`div[role="button"]:has([data-testid="${dealTestId}"])`);
await h2.focus();
await pa.keyboard.press('Space');
for (let i = 0; i < 4 - stages.indexOf(to); i++) { await pa.keyboard.press('ArrowRight'); await pa.waitForTimeout(200); }
await pa.keyboard.press('Space');
await pa.waitForSelector('[data-testid="close-dialog"]', { timeout: 5000 }).then(() => ok('won dialog', true)).catch(() => ok('won dialog', false));
await pa.fill('[data-testid="close-reason"]', 'Best price');
await pa.click('[data-testid="close-confirm"]');
await pa.waitForSelector(`[data-testid="board-column-closed_won"] [data-testid="${dealTestId}"]`, { timeout: 8000 })
  .then(() => ok('deal won', true)).catch(() => ok('deal won', false));

// palette
await pa.keyboard.press('Control+k');
await pa.waitForSelector('.mantine-Spotlight-search', { timeout: 5000 }).catch(() => ok('palette opens', false));
await pa.keyboard.type('Hoo');
await pa.waitForSelector('.mantine-Spotlight-action', { timeout: 15000 }).then(() => ok('palette results', true)).catch(() => ok('palette results', false));
await pa.keyboard.press('Escape');

// readonly user sees no edit controls
const { ctx: r, page: pr } = await browser('auditor');
await pr.goto(`${BASE}/customers/${id}`);
await pr.waitForSelector('[data-testid="profile-card"]');
ok('readonly: no edit button', (await pr.$('[data-testid="profile-edit"]')) === null);
await pr.goto(`${BASE}/pipeline`);
await pr.waitForTimeout(1500);
ok('readonly: cards not draggable', (await pr.$('div[aria-roledescription]')) === null);
await Promise.all([a.close(), b.close(), r.close()]);
