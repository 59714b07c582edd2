// Sign-in and API helpers shared by the browser tests. Records a test needs are created
// through the console's own /api (the same path the app uses), so each test owns its data.
import { expect, type APIResponse, type Browser, type BrowserContext, type Page } from '@playwright/test';

export interface Signed {
  context: BrowserContext;
  page: Page;
  api: Api;
}

export class Api {
  constructor(private readonly context: BrowserContext, private readonly csrf: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<APIResponse> {
    return this.context.request.fetch(path, {
      method,
      headers: { 'X-CSRF-Token': this.csrf, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async ok<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const r = await this.call(method, path, body, headers);
    expect(r.status(), `${method} ${path}: ${await r.text()}`).toBeLessThan(300);
    return (r.status() === 204 ? undefined : await r.json()) as T;
  }

  /** Retries while a service's replica has not seen the customer yet (422 unknown_customer). */
  async eventually<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await this.call(method, path, body, headers);
      if (r.status() < 300) return (await r.json()) as T;
      const text = await r.text();
      if (Date.now() > deadline || !(r.status() === 422 || r.status() === 503 || r.status() === 404)) {
        throw new Error(`${method} ${path} -> ${r.status()}: ${text}`);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

export async function signIn(browser: Browser, sub: string, options: { locale?: string } = {}): Promise<Signed> {
  const context = await browser.newContext({ baseURL: process.env.CRM_CONSOLE_URL, locale: options.locale ?? 'en-US' });
  const login = await context.request.post('/auth/dev-login', { data: { sub } });
  expect(login.status()).toBe(204);
  const me = await context.request.get('/api/me');
  expect(me.status()).toBe(200);
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const page = await context.newPage();
  return { context, page, api: new Api(context, csrf) };
}

export interface Customer {
  id: string;
  version: number;
  display_name: string;
  phones: string[];
  lifecycle_stage: string;
  owner_id: string | null;
}

export function unique(label: string): string {
  return `${label} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

export async function newCustomer(api: Api, fields: Partial<Customer> & Record<string, unknown> = {}): Promise<Customer> {
  return api.ok<Customer>('POST', '/api/contacts/customers', {
    kind: 'company', display_name: unique('E2E Company'), lifecycle_stage: 'opportunity',
    phones: ['+49 30 1234567'], ...fields,
  }, { 'Idempotency-Key': crypto.randomUUID() });
}

export interface Deal {
  id: string;
  version: number;
  stage: string;
  status: string;
  pipeline_id: string;
  owner_id: string | null;
  team: string | null;
}

export async function newDeal(api: Api, customerId: string, fields: Record<string, unknown> = {}): Promise<Deal> {
  return api.eventually<Deal>('POST', '/api/sales/deals', {
    name: unique('E2E Deal'), customer_id: customerId, amount: '12500.00', ...fields,
  }, { 'Idempotency-Key': crypto.randomUUID() });
}

/** Milliseconds since `start`, printed: the figure the issue asks to see. */
export function report(label: string, start: number): number {
  const ms = Date.now() - start;
  console.log(`${label}: ${ms} ms`);
  return ms;
}
