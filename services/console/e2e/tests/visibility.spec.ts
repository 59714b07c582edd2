import { expect, test } from '@playwright/test';
import { newCustomer, newDeal, signIn } from './helpers';

test("a sales rep does not see another team's deals, nor internal ticket comments", async ({ browser }) => {
  const east = await signIn(browser, 'ana'); // sales-east
  const west = await signIn(browser, 'wang.fang'); // sales-west
  const agent = await signIn(browser, 'sara');
  const westCustomer = await newCustomer(west.api, { owner_id: 'wang.fang' });
  const customer = await newCustomer(east.api, { owner_id: 'ana' });
  const westDeal = await newDeal(west.api, westCustomer.id);
  const eastDeal = await newDeal(east.api, customer.id);

  await east.page.goto(`/pipeline?pipeline=${eastDeal.pipeline_id}`);
  await expect(east.page.getByTestId(`deal-card-${eastDeal.id}`)).toBeVisible();
  await expect(east.page.getByTestId(`deal-card-${westDeal.id}`)).toHaveCount(0);
  expect((await east.api.call('GET', `/api/sales/deals/${westDeal.id}`)).status()).toBeGreaterThanOrEqual(403);

  const ticket = await agent.api.eventually<{ id: string; version: number }>('POST', '/api/service-desk/tickets', {
    customer_id: customer.id, subject: 'Invoice question', description: 'Where is my invoice?', channel: 'phone', priority: 'normal',
  }, { 'Idempotency-Key': crypto.randomUUID() });
  const secret = `internal note ${Date.now()}`;
  const publicReply = `public reply ${Date.now()}`;
  for (const [body, isPublic] of [[secret, false], [publicReply, true]] as const) {
    await agent.api.ok('POST', `/api/service-desk/tickets/${ticket.id}/comments`, { body, public: isPublic, author: 'agent' });
  }
  await agent.page.goto(`/tickets/${ticket.id}`);
  await expect(agent.page.getByTestId('comment-internal')).toContainText(secret);

  await east.page.goto(`/tickets/${ticket.id}`);
  await expect(east.page.getByTestId('ticket-subject')).toHaveText('Invoice question');
  await expect(east.page.getByTestId('comment-public')).toContainText(publicReply);
  await expect(east.page.getByText(secret)).toHaveCount(0);
  await expect(east.page.getByTestId('comment-internal')).toHaveCount(0);
  for (const u of [east, west, agent]) await u.context.close();
});
