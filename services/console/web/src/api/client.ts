// One fetch wrapper for every call to the BFF: the CSRF header on writes, ETag capture,
// problem+json errors as ApiError. The BFF forwards /api/{service}/... verbatim.

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
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.status = problem.status;
    this.problem = problem;
  }
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
  const res = await fetch(buildUrl(path, opts.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: opts.signal,
  });
  const etag = res.headers.get('ETag');
  if (!res.ok) {
    let problem: Problem = { status: res.status, title: res.statusText };
    try {
      const parsed: unknown = await res.json();
      if (parsed && typeof parsed === 'object') problem = { ...problem, ...(parsed as object), status: res.status };
    } catch {
      /* not JSON */
    }
    throw new ApiError(problem);
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
  if (err instanceof ApiError) {
    const fields = err.problem.errors?.map((e) => `${(e.loc ?? []).join('.')}: ${e.msg}`).join('; ');
    return fields ? `${err.message} (${fields})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
