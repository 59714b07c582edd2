// The board's column totals: sales' GET /deals/board answers one entry per stage AND
// currency (amounts in different currencies are never added up). A column shows the
// deals counted across currencies and one sum / weighted line per currency.
import type { BoardColumn, Money } from '../../api/types';

export interface CurrencyTotals {
  currency: string;
  count: number;
  amount_sum: Money;
  weighted_sum: Money;
}

export interface ColumnTotals {
  stage: string;
  count: number;
  /** One line per currency, by currency code; empty-currency lines (count 0) only when the whole column is empty. */
  lines: CurrencyTotals[];
}

/** Adds decimal strings ("12000.00") without losing cents to binary floats. */
function addMoney(a: Money, b: Money): Money {
  const scale = (s: string) => (s.split('.')[1] ?? '').length;
  const digits = Math.max(scale(a), scale(b), 2);
  const toInt = (s: string) => {
    const neg = s.trim().startsWith('-');
    const [int, frac = ''] = s.trim().replace(/^[-+]/, '').split('.');
    const v = BigInt((int || '0') + frac.padEnd(digits, '0').slice(0, digits));
    return neg ? -v : v;
  };
  const sum = toInt(a) + toInt(b);
  const neg = sum < 0n;
  const abs = (neg ? -sum : sum).toString().padStart(digits + 1, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

export function groupBoardTotals(entries: readonly BoardColumn[]): Map<string, ColumnTotals> {
  const byStage = new Map<string, Map<string, CurrencyTotals>>();
  for (const e of entries) {
    const currencies = byStage.get(e.stage) ?? new Map<string, CurrencyTotals>();
    byStage.set(e.stage, currencies);
    const prev = currencies.get(e.currency);
    currencies.set(e.currency, prev
      ? { currency: e.currency, count: prev.count + e.count, amount_sum: addMoney(prev.amount_sum, e.amount_sum), weighted_sum: addMoney(prev.weighted_sum, e.weighted_sum) }
      : { currency: e.currency, count: e.count, amount_sum: e.amount_sum, weighted_sum: e.weighted_sum });
  }
  const out = new Map<string, ColumnTotals>();
  for (const [stage, currencies] of byStage) {
    const all = [...currencies.values()].sort((a, b) => a.currency.localeCompare(b.currency));
    const withDeals = all.filter((l) => l.count > 0);
    out.set(stage, {
      stage,
      count: all.reduce((n, l) => n + l.count, 0),
      lines: withDeals.length ? withDeals : all.slice(0, 1),
    });
  }
  return out;
}
