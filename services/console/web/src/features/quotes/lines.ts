// A quote form's lines and the body sales wants from them.
import type { LineInput } from './api';

export interface Line { product_id: string; quantity: number; discount_pct: number; tax_rate: number; unit_price: string; book_price: string | null }

export const empty = (): Line => ({ product_id: '', quantity: 1, discount_pct: 0, tax_rate: 0, unit_price: '', book_price: null });

export function inDays(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

/** The body sales wants: a price only where the rep typed one that differs from the book's. */
export function toLineInputs(lines: Line[]): LineInput[] {
  return lines.filter((l) => l.product_id).map((l) => ({
    product_id: l.product_id,
    quantity: String(l.quantity),
    discount_pct: String(l.discount_pct),
    tax_rate: String(l.tax_rate),
    unit_price: l.unit_price.trim() && l.unit_price.trim() !== l.book_price ? l.unit_price.trim() : null,
  }));
}

/** A quote's amount to the currency's minor unit (€2,570.40, ¥1,200): the document adds up as printed. */
export function quoteMoney(amount: string, currency: string, locale: string): string {
  const n = Number(amount);
  if (!Number.isFinite(n)) return '—';
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n);
  } catch {
    return `${amount} ${currency}`;
  }
}
