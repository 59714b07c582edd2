import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, busyDelayMs, problemMessage, request, retryAfterMs, retryPolicy, setCsrfToken } from './client';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

/** A fake fetch answering from a script, recording each call. */
function fakeFetch(answers: Answer[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const a = answers[Math.min(calls.length - 1, answers.length - 1)];
    const headers = new Headers({ 'Content-Type': 'application/json', ...(a.headers ?? {}) });
    return new Response(a.status === 204 ? null : JSON.stringify(a.body ?? {}), { status: a.status, headers });
  });
  vi.stubGlobal('fetch', fn);
  return calls;
}

const waits: number[] = [];
const realSleep = retryPolicy.sleep;
beforeEach(() => {
  waits.length = 0;
  retryPolicy.sleep = async (ms) => { waits.push(ms); };
});
afterEach(() => {
  retryPolicy.sleep = realSleep;
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

const busy = (after = '1'): Answer => ({ status: 503, headers: { 'Retry-After': after }, body: { status: 503, title: 'Service Unavailable' } });

describe('busy answers are asked again', () => {
  it('retries a 503 with Retry-After, waiting what it says, then succeeds', async () => {
    const calls = fakeFetch([busy('2'), busy('1'), { status: 200, headers: { ETag: '"4"' }, body: { id: 'c1' } }]);
    const r = await request<{ id: string }>('/api/contacts/customers/c1');
    expect(r).toEqual({ data: { id: 'c1' }, etag: '"4"' });
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([2000, 1000]);
  });

  it('repeats a write exactly: same method, body, If-Match, Idempotency-Key and CSRF token', async () => {
    setCsrfToken('tok');
    const calls = fakeFetch([busy(), { status: 200, body: { ok: true } }]);
    await request('/api/sales/deals/d1/stage', { method: 'POST', body: { stage: 'won' }, ifMatch: 3, idempotencyKey: 'k1' });
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.init.method).toBe('POST');
      expect(c.init.body).toBe('{"stage":"won"}');
      expect(c.init.headers).toMatchObject({ 'If-Match': '"3"', 'Idempotency-Key': 'k1', 'X-CSRF-Token': 'tok' });
    }
  });

  it('gives up after 3 retries (4 calls) with a "busy" error', async () => {
    const calls = fakeFetch([busy()]);
    const err = await request('/api/sales/deals').catch((e: unknown) => e);
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([1000, 1000, 1000]);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).busy).toBe(true);
    expect(problemMessage(err)).toMatch(/busy/i);
  });

  it('caps a long Retry-After at 5 s', async () => {
    fakeFetch([busy('120'), { status: 200, body: {} }]);
    await request('/api/sales/deals');
    expect(waits).toEqual([5000]);
  });

  it('retries a 429, with or without Retry-After', async () => {
    const calls = fakeFetch([{ status: 429, headers: { 'Retry-After': '3' } }, { status: 429 }, { status: 200, body: {} }]);
    await request('/api/notifications/rules');
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([3000, retryPolicy.defaultMs]);
  });

  it('does not retry a 503 without Retry-After, a 502, a 500 or a 412', async () => {
    for (const a of [{ status: 503 }, { status: 502, headers: { 'Retry-After': '1' } }, { status: 500 }, { status: 412 }] as Answer[]) {
      const calls = fakeFetch([a, { status: 200, body: {} }]);
      const err = await request('/api/x', { method: 'PATCH', body: {} }).catch((e: unknown) => e);
      expect(calls).toHaveLength(1);
      expect((err as ApiError).status).toBe(a.status);
      expect((err as ApiError).busy).toBe(false);
    }
    expect(waits).toEqual([]);
  });

  it('stops waiting when the request is aborted', async () => {
    retryPolicy.sleep = realSleep;
    fakeFetch([busy('5')]);
    const ctl = new AbortController();
    const p = request('/api/x', { signal: ctl.signal });
    setTimeout(() => ctl.abort(new DOMException('aborted', 'AbortError')), 10);
    await expect(p).rejects.toThrow(/aborted/);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
    const now = Date.parse('2026-12-02T04:00:00Z');
    expect(retryAfterMs('Wed, 02 Dec 2026 04:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Wed, 02 Dec 2026 03:59:00 GMT', now)).toBe(0);
  });
  it('only 503 + Retry-After and 429 are busy', () => {
    const h = (v?: string) => new Headers(v === undefined ? {} : { 'Retry-After': v });
    expect(busyDelayMs({ status: 503, headers: h('1') })).toBe(1000);
    expect(busyDelayMs({ status: 503, headers: h() })).toBeNull();
    expect(busyDelayMs({ status: 429, headers: h() })).toBe(retryPolicy.defaultMs);
    expect(busyDelayMs({ status: 200, headers: h('1') })).toBeNull();
  });
});

describe('the busy message', () => {
  it('is in the active language', async () => {
    const { default: i18n } = await import('../i18n');
    await i18n.changeLanguage('zh-CN');
    expect(problemMessage(new ApiError({ status: 503 }, true))).toBe('服务繁忙，请稍后再试。');
    await i18n.changeLanguage('en');
    expect(problemMessage(new ApiError({ status: 503 }, true))).toBe('The service is busy. Try again in a moment.');
  });
});
