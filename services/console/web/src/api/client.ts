// One fetch wrapper for every call to the BFF: the CSRF header on writes, ETag capture,
// problem+json errors as ApiError. The BFF forwards /api/{service}/... verbatim.
// A busy service (503 with Retry-After: admission control shed the request before doing
// anything, so repeating it is safe, writes included; or 429) is asked again up to
// 3 times, waiting what Retry-After says (capped), then the error says "busy, try again".
import i18n from 'i18next';

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { loc?: (string | number)[]; msg: string; type?: string }[];
  current_version?: number;
  [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** The service was busy (503 + Retry-After, or 429) every time it was asked. */
  readonly busy: boolean;
  constructor(problem: Problem, busy = false) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.status = problem.status;
    this.problem = problem;
    this.busy = busy;
  }
}

/** How busy answers are retried; tests replace `sleep`. */
export const retryPolicy = {
  retries: 3,
  capMs: 5_000,
  /** 429 without Retry-After: wait this long. */
  defaultMs: 1_000,
  sleep: (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      const onAbort = () => { clearTimeout(timer); reject(signal?.reason as Error); };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Retry-After as delta-seconds or an HTTP date → milliseconds to wait, or null. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** How long to wait before asking again, or null when the answer is not a "busy" one. */
export function busyDelayMs(res: Pick<Response, 'status' | 'headers'>): number | null {
  const after = retryAfterMs(res.headers.get('Retry-After'));
  if (res.status === 503 && after !== null) return Math.min(after, retryPolicy.capMs);
  if (res.status === 429) return Math.min(after ?? retryPolicy.defaultMs, retryPolicy.capMs);
  return null;
}

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface Versioned<T> {
  data: T;
  etag: string | null;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  ifMatch?: string | number | null;
  idempotencyKey?: string;
  query?: Record<string, string | number | boolean | null | undefined | string[]>;
  signal?: AbortSignal;
  raw?: BodyInit;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => params.append(k, x));
    else params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** `"7"` / `W/"7"` / 7 → `"7"`, the form If-Match wants. */
export function toEtag(v: string | number): string {
  if (typeof v === 'number') return `"${v}"`;
  return v.startsWith('"') || v.startsWith('W/') ? v : `"${v}"`;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<Versioned<T>> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (opts.ifMatch !== undefined && opts.ifMatch !== null) headers['If-Match'] = toEtag(opts.ifMatch);
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const url = buildUrl(path, opts.query);
  let res: Response;
  let busy = false;
  for (let attempt = 0; ; attempt++) {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
    const delay = busyDelayMs(res);
    busy = delay !== null;
    if (!busy || attempt >= retryPolicy.retries) break;
    await res.body?.cancel().catch(() => undefined);
    await retryPolicy.sleep(delay ?? 0, opts.signal);
  }
  const etag = res.headers.get('ETag');
  if (!res.ok) {
    let problem: Problem = { status: res.status, title: res.statusText };
    try {
      const parsed: unknown = await res.json();
      if (parsed && typeof parsed === 'object') problem = { ...problem, ...(parsed as object), status: res.status };
    } catch {
      /* not JSON */
    }
    throw new ApiError(problem, busy);
  }
  if (res.status === 204) return { data: undefined as T, etag };
  const type = res.headers.get('Content-Type') ?? '';
  const data = (type.includes('json') ? await res.json() : await res.text()) as T;
  return { data, etag };
}

export async function get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
  return (await request<T>(path, { query, signal })).data;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export function problemMessage(err: unknown): string {
  if (err instanceof ApiError && err.busy) {
    const busy = 'The service is busy. Try again in a moment.';
    return (i18n.isInitialized ? i18n.t('errors.busy', { defaultValue: busy }) : '') || busy;
  }
  if (err instanceof ApiError) {
    const fields = err.problem.errors?.map((e) => `${(e.loc ?? []).join('.')}: ${e.msg}`).join('; ');
    return fields ? `${err.message} (${fields})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
