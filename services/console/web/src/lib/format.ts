// Dates, numbers and money through Intl with the active locale (never hand-formatted).
// Formatters are cached: building one costs far more than using it (long tables).

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}
const numberFormat = (locale: string, opts: Intl.NumberFormatOptions = {}) =>
  cached(`n|${locale}|${JSON.stringify(opts)}`, () => new Intl.NumberFormat(locale, opts));
const dateFormat = (locale: string, opts: Intl.DateTimeFormatOptions) =>
  cached(`d|${locale}|${JSON.stringify(opts)}`, () => new Intl.DateTimeFormat(locale, opts));

export function formatMoney(amount: string | number | null | undefined, currency: string | null | undefined, locale: string): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const n = typeof amount === 'number' ? amount : Number(amount);
  if (!Number.isFinite(n)) return '—';
  if (!currency) return numberFormat(locale, { maximumFractionDigits: 2 }).format(n);
  try {
    return numberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(n);
  } catch {
    return `${numberFormat(locale).format(n)} ${currency}`;
  }
}

/** Sums per currency ({"EUR": "1200.00", "USD": "5"}) shown as "€1,200 · $5". */
export function formatMoneyMap(values: Record<string, string> | null | undefined, locale: string): string {
  const entries = Object.entries(values ?? {});
  if (!entries.length) return '—';
  return entries.map(([cur, v]) => formatMoney(v, cur, locale)).join(' · ');
}

export function formatNumber(n: number | null | undefined, locale: string, opts?: Intl.NumberFormatOptions): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return numberFormat(locale, opts).format(n);
}

export function formatPercent(share: number | null | undefined, locale: string): string {
  return formatNumber(share, locale, { style: 'percent', maximumFractionDigits: 1 });
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return dateFormat(locale, { dateStyle: 'medium' }).format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago", "in 2 hours", "just now" (numeric: auto) in the active locale. */
export function formatRelative(iso: string | null | undefined, locale: string, now: number = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const diffS = Math.round((t - now) / 1000);
  const rtf = cached(`r|${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  if (Math.abs(diffS) < 10) return rtf.format(0, 'second');
  for (const [unit, size] of UNITS) {
    if (Math.abs(diffS) >= size || unit === 'second') return rtf.format(Math.trunc(diffS / size), unit);
  }
  return rtf.format(diffS, 'second');
}

/** A countdown like "1h 05m" / "-12m" / "2d 3h" (locale-independent digits and units). */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${sign}${m}m`;
  return `${sign}${s}s`;
}
