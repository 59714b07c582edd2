import { expect, test } from '@playwright/test';
import { signIn, unique } from './helpers';

interface Policy { id: string; version: number; name: string; targets: { priority: string; first_response_s: number; resolution_s: number; tier: string | null }[] }

test('an SLA policy is edited in place; a concurrent change opens the conflict view and both survive', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  // a policy of its own, inactive, so the other tests' tickets keep theirs
  const created = await admin.api.ok<Policy>('POST', '/api/service-desk/sla-policies', {
    name: unique('E2E policy'), position: 9000, active: false, calendar: { kind: '24x7', timezone: 'UTC' }, warning_share: null,
    pause_statuses: ['pending'], targets: [{ priority: 'urgent', tier: null, first_response_s: 3600, resolution_s: 14400 }],
  });
  const page = admin.page;
  await page.goto('/admin');
  await page.getByTestId('admin-tab-sla').click();
  const card = page.locator(`[data-testid="sla-policy"][data-id="${created.id}"]`);
  await card.getByTestId('sla-edit').click();
  await card.getByTestId('sla-first-response').fill('0.5');
  await card.getByTestId('sla-save').click();
  await expect(card.getByTestId('sla-form')).toHaveCount(0);
  let now = await admin.api.ok<Policy>('GET', `/api/service-desk/sla-policies/${created.id}`);
  expect(now.targets[0].first_response_s).toBe(1800);

  // I edit the resolution target while someone renames the policy
  await card.getByTestId('sla-edit').click();
  await card.getByTestId('sla-resolution').fill('8');
  const { id: _, version, created_at: _c, updated_at: _u, ...spec } = now as Policy & Record<string, unknown>;
  await admin.api.ok('PUT', `/api/service-desk/sla-policies/${created.id}`, { ...spec, name: `${now.name} (renamed)` }, { 'If-Match': `"${version}"` });
  await card.getByTestId('sla-save').click();
  await expect(page.getByTestId('conflict-view')).toBeVisible();
  await expect(page.getByTestId('conflict-field-name')).toHaveAttribute('data-state', 'theirs');
  await expect(page.getByTestId('conflict-field-targets')).toHaveAttribute('data-state', 'mine');
  await page.getByTestId('conflict-apply-mine').click();
  await expect(page.getByTestId('conflict-view')).toHaveCount(0);
  now = await admin.api.ok<Policy>('GET', `/api/service-desk/sla-policies/${created.id}`);
  expect(now.name).toMatch(/\(renamed\)$/);
  expect(now.targets[0]).toMatchObject({ first_response_s: 1800, resolution_s: 8 * 3600 });
  await admin.context.close();
});

test('assignment rules are edited as a form: add, fill, reorder, remove, saved with If-Match', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  type RuleSet = { rules: { id: string; name: string; match: Record<string, string[]>; owner_id: string | null; team: string | null; members: string[] }[]; fallback_owner_id: string | null; fallback_team: string | null; version: number };
  const before = await admin.api.ok<RuleSet>('GET', '/api/sales/assignment-rules');
  const region = `e2e-${Date.now().toString(36)}`;
  const page = admin.page;
  await page.goto('/admin');
  await page.getByTestId('admin-tab-assignment').click();
  await expect(page.getByTestId('admin-assignment')).toBeVisible();
  const n = before.rules.length;
  await page.getByTestId('rule-add').click();
  const rule = page.getByTestId('assignment-rule').nth(n);
  await rule.getByTestId('rule-name').fill('E2E region rule');
  await rule.getByTestId('rule-regions').fill(region);
  await rule.getByTestId('rule-regions').press('Enter');
  await rule.getByTestId('rule-owner').fill('ana');
  if (n > 0) await rule.getByTestId('rule-up').click(); // now second to last: reordering works
  await page.getByTestId('assignment-save').click();
  await expect.poll(async () => (await admin.api.ok<RuleSet>('GET', '/api/sales/assignment-rules')).version).toBe(before.version + 1);
  const after = await admin.api.ok<RuleSet>('GET', '/api/sales/assignment-rules');
  const at = after.rules.findIndex((r) => r.match.regions?.includes(region));
  expect(at).toBe(n > 0 ? n - 1 : 0);
  expect(after.rules[at]).toMatchObject({ name: 'E2E region rule', owner_id: 'ana', team: null });

  // remove it again through the form: the rule set is as before
  await page.reload();
  await page.getByTestId('admin-tab-assignment').click();
  await page.locator(`[data-testid="assignment-rule"][data-id="${after.rules[at].id}"]`).getByTestId('rule-remove').click();
  await page.getByTestId('assignment-save').click();
  await expect.poll(async () => (await admin.api.ok<RuleSet>('GET', '/api/sales/assignment-rules')).rules.map((r) => r.id))
    .toEqual(before.rules.map((r) => r.id));
  await admin.context.close();
});

test('a lead conversion says which company it created or linked, with a link to it', async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const company = unique('E2E Convert Co');
  const lead = async (first: string) => admin.api.ok<{ id: string }>('POST', '/api/sales/leads', {
    first_name: first, last_name: 'Tester', company_name: company, email: `${first.toLowerCase()}.${Date.now()}@e2e-${Date.now().toString(36)}.example`, source: 'web',
  }, { 'Idempotency-Key': crypto.randomUUID() });
  const first = await lead('Erste');
  const page = admin.page;
  const convert = async (id: string) => {
    await page.goto(`/leads?focus=${id}`);
    const row = page.locator(`[data-testid="lead-row"][data-id="${id}"]`);
    await row.getByTestId('lead-actions').click();
    await page.getByTestId('lead-convert').click();
    return page.getByTestId('convert-result');
  };
  let result = await convert(first.id);
  await expect(result).toHaveAttribute('data-company-linked', 'created', { timeout: 30_000 });
  await expect(result.getByTestId('convert-company-link')).toHaveText(company);
  // a second lead of the same company is linked to it
  const second = await lead('Zweite');
  result = await convert(second.id);
  await expect(result).toHaveAttribute('data-company-linked', 'existing', { timeout: 30_000 });
  await result.getByTestId('convert-company-link').click();
  await expect(page.getByTestId('customer-name')).toHaveText(company);
  await admin.context.close();
});
