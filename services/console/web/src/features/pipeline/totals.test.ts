import { describe, expect, it } from 'vitest';
import type { BoardColumn } from '../../api/types';
import { groupBoardTotals } from './totals';

const col = (stage: string, currency: string, count: number, amount_sum: string, weighted_sum: string): BoardColumn =>
  ({ stage, name: stage, probability: 50, count, amount_sum, weighted_sum, currency });

describe('groupBoardTotals', () => {
  it('keeps every currency of a stage, counting deals across them', () => {
    const g = groupBoardTotals([
      col('proposal', 'USD', 2, '5000.00', '2500.00'),
      col('proposal', 'EUR', 3, '12000.50', '6000.25'),
      col('won', 'EUR', 1, '100.00', '100.00'),
    ]);
    const p = g.get('proposal');
    expect(p?.count).toBe(5);
    expect(p?.lines.map((l) => l.currency)).toEqual(['EUR', 'USD']); // by code, stable
    expect(p?.lines[0]).toEqual({ currency: 'EUR', count: 3, amount_sum: '12000.50', weighted_sum: '6000.25' });
    expect(p?.lines[1]).toEqual({ currency: 'USD', count: 2, amount_sum: '5000.00', weighted_sum: '2500.00' });
    expect(g.get('won')?.count).toBe(1);
    expect(g.get('won')?.lines).toHaveLength(1);
  });

  it('does not keep only the last entry of a stage (the old bug)', () => {
    const g = groupBoardTotals([col('s', 'EUR', 4, '40.00', '4.00'), col('s', 'CNY', 1, '10.00', '1.00')]);
    expect(g.get('s')?.lines.map((l) => l.currency)).toEqual(['CNY', 'EUR']);
    expect(g.get('s')?.count).toBe(5);
  });

  it('adds repeated stage+currency entries exactly (decimal strings)', () => {
    const g = groupBoardTotals([col('s', 'EUR', 1, '0.10', '0.01'), col('s', 'EUR', 1, '0.20', '0.02')]);
    expect(g.get('s')?.lines).toEqual([{ currency: 'EUR', count: 2, amount_sum: '0.30', weighted_sum: '0.03' }]);
  });

  it('drops empty currencies beside ones with deals, keeps one line for an empty column', () => {
    const g = groupBoardTotals([
      col('a', 'EUR', 0, '0.00', '0.00'), col('a', 'USD', 2, '10.00', '5.00'),
      col('b', 'EUR', 0, '0.00', '0.00'),
    ]);
    expect(g.get('a')?.lines.map((l) => l.currency)).toEqual(['USD']);
    expect(g.get('b')).toEqual({ stage: 'b', count: 0, lines: [{ currency: 'EUR', count: 0, amount_sum: '0.00', weighted_sum: '0.00' }] });
  });

  it('a stage the server did not list is absent (the column shows "—")', () => {
    expect(groupBoardTotals([]).get('x')).toBeUndefined();
  });
});
