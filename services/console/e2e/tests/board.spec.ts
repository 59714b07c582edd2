import { expect, test, type Locator, type Page } from '@playwright/test';
import { newCustomer, newDeal, report, signIn } from './helpers';

/** Drags with the mouse when the target column is on screen, else with the keyboard (Space,
 * arrows, Space), as the board's hint tells a keyboard user. */
async function drag(page: Page, from: Locator, to: Locator, columnsRight: number): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  const viewport = page.viewportSize();
  if (a && b && viewport && b.x + b.width / 2 < viewport.width) {
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(a.x + a.width / 2 + 10, a.y + a.height / 2 + 10, { steps: 5 }); // past the 5 px activation
    await page.mouse.move(b.x + b.width / 2, b.y + 60, { steps: 20 });
    await page.mouse.up();
    return;
  }
  await from.locator('xpath=..').focus(); // the draggable wrapper around the card
  await page.keyboard.press('Space');
  for (let i = 0; i < columnsRight; i++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(250); // the board measures and scrolls before the next step
  }
  await page.keyboard.press('Space');
}

test.use({ viewport: { width: 1920, height: 1000 } }); // every column on screen: a mouse drag

interface Pipeline { id: string; stages: { id: string; kind: string }[] }

test("dragging a deal to Won updates the board's column sums, the dashboard and the customer's lifecycle", async ({ browser }) => {
  const rep = await signIn(browser, 'ana');
  const pipelines = await rep.api.ok<{ items: Pipeline[] }>('GET', '/api/sales/pipelines');
  const pipeline = pipelines.items[0];
  const won = pipeline.stages.find((s) => s.kind === 'won');
  if (!won) throw new Error('no won stage');
  // the column shows every currency's totals: the deal goes in USD beside the demo data's EUR
  type BoardEntry = { stage: string; currency: string; count: number; amount_sum: string };
  const board = await rep.api.ok<{ stages: BoardEntry[] }>('GET', `/api/sales/deals/board?pipeline_id=${pipeline.id}`);
  const wonBefore = board.stages.filter((c) => c.stage === won.id && c.count > 0);
  const usdBefore = Number(wonBefore.find((c) => c.currency === 'USD')?.amount_sum ?? 0);
  const money = (n: number, currency: string) =>
    new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(n);
  const customer = await newCustomer(rep.api, { owner_id: 'ana', lifecycle_stage: 'opportunity' });
  const deal = await newDeal(rep.api, customer.id, { amount: '43210.00', currency: 'USD', pipeline_id: pipeline.id });
  const dashboard = await rep.context.newPage();
  await dashboard.goto('/dashboards');
  await expect(dashboard.getByTestId('chart-win-rate')).toBeVisible();
  const winRateBefore = await dashboard.getByTestId('chart-win-rate').innerText();

  const page = rep.page;
  await page.goto(`/pipeline?pipeline=${pipeline.id}`);
  const card = page.getByTestId(`deal-card-${deal.id}`);
  const wonColumn = page.getByTestId(`board-column-${won.id}`);
  await expect(card).toBeVisible();
  const sumBefore = await wonColumn.getByTestId('column-sum').innerText();
  const countBefore = Number(await wonColumn.getByTestId('column-count').innerText());

  const right = pipeline.stages.findIndex((s) => s.id === won.id) - pipeline.stages.findIndex((s) => s.id === deal.stage);
  await drag(page, card, wonColumn, right);
  await page.getByTestId('close-confirm').click();
  const start = Date.now();
  await expect(wonColumn.getByTestId(`deal-card-${deal.id}`)).toBeVisible();
  await expect(wonColumn.getByTestId('column-count')).toHaveText(String(countBefore + 1));
  await expect(wonColumn.getByTestId('column-sum')).not.toHaveText(sumBefore);
  // one line per currency: the USD line holds the deal, the other currencies' lines stay
  await expect(wonColumn.getByTestId('column-sum')).toContainText(money(usdBefore + 43210, 'USD'));
  for (const c of wonBefore.filter((c) => c.currency !== 'USD')) {
    await expect(wonColumn.getByTestId('column-sum')).toContainText(money(Number(c.amount_sum), c.currency));
  }
  await expect(wonColumn.getByTestId('column-weighted')).toContainText(money(usdBefore + 43210, 'USD'));
  report('won: board column sums updated after', start);

  // the dashboard, open in another tab, follows live
  await expect(dashboard.getByTestId('chart-win-rate')).not.toHaveText(winRateBefore, { timeout: 20_000 });
  report('won: dashboard updated after', start);
  // contacts moved the customer's lifecycle (from sales' event), shown without reload
  await page.goto(`/customers/${customer.id}`);
  await expect(page.getByTestId('field-lifecycle_stage')).toHaveText(/customer/i, { timeout: 20_000 });
  report("won: customer's lifecycle is customer after", start);
  await rep.context.close();
});
