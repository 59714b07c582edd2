import { expect, test } from '@playwright/test';
import { newCustomer, report, signIn, unique } from './helpers';

test("a ticket's SLA badge turns to breached live (short test policy)", async ({ browser }) => {
  const admin = await signIn(browser, 'admin');
  const agent = await signIn(browser, 'sara');
  const tier = `e2e-${Date.now().toString(36)}`;
  // tried first, and only for this tier: other tickets keep their policies
  await admin.api.ok('POST', '/api/service-desk/sla-policies', {
    name: unique('E2E short'), position: 0, targets: [{ priority: 'urgent', tier, first_response_s: 20, resolution_s: 3600 }],
  });
  const customer = await newCustomer(admin.api, { tier });
  // A ticket opened before service-desk's replica has the customer's tier gets the default
  // policy (and keeps it): open tickets until one gets the short policy.
  type Opened = { id: string; first_response_due_at: string | null };
  let ticket: Opened | null = null;
  for (let attempt = 0; attempt < 30; attempt += 1) {
    ticket = await agent.api.eventually<Opened>('POST', '/api/service-desk/tickets', {
      customer_id: customer.id, subject: unique('Outage'), channel: 'phone', priority: 'urgent',
    }, { 'Idempotency-Key': crypto.randomUUID() });
    expect(ticket.first_response_due_at).toBeTruthy();
    if (new Date(ticket.first_response_due_at ?? 0).getTime() - Date.now() < 25_000) break;
    await agent.page.waitForTimeout(1000);
  }
  if (ticket === null) throw new Error('no ticket opened');

  await agent.page.goto(`/tickets/${ticket.id}`);
  const badge = agent.page.getByTestId('sla-badge');
  const due = new Date(ticket.first_response_due_at ?? 0).getTime();
  if (due - Date.now() > 3000) await expect(badge).toHaveAttribute('data-level', /ok|warning/); // a slow machine may be past it
  const start = Date.now();
  await expect(badge).toHaveAttribute('data-level', 'breached', { timeout: 60_000 });
  report('SLA badge turned to breached after', start);
  // the service desk detected the breach (its worker's scan) and the page holds it without reload
  await expect.poll(async () => {
    const t = await agent.api.ok<{ sla_breaches?: string[]; ticket?: { sla_breaches: string[] } }>('GET', `/api/service-desk/tickets/${ticket.id}`);
    return (t.ticket ?? t).sla_breaches ?? [];
  }, { timeout: 30_000 }).toContain('first_response');
  await expect(badge).toHaveAttribute('data-level', 'breached');
  await admin.context.close();
  await agent.context.close();
});
