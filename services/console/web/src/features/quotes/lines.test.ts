import { describe, expect, it } from 'vitest';
import { empty, quoteMoney, toLineInputs } from './lines';

describe('quote lines', () => {
  it('drops lines without a product and sends numbers as decimal strings', () => {
    const lines = [{ ...empty(), product_id: 'p1', quantity: 2.5, discount_pct: 10, tax_rate: 19, unit_price: '100.00', book_price: '100.00' }, empty()];
    expect(toLineInputs(lines)).toEqual([{ product_id: 'p1', quantity: '2.5', discount_pct: '10', tax_rate: '19', unit_price: null }]);
  });

  it('sends a price only when the rep typed one the book does not have', () => {
    const typed = { ...empty(), product_id: 'p1', unit_price: ' 90 ', book_price: '100.00' };
    const noBook = { ...empty(), product_id: 'p2', unit_price: '5', book_price: null };
    const blank = { ...empty(), product_id: 'p3', unit_price: '', book_price: null };
    expect(toLineInputs([typed, noBook, blank]).map((l) => l.unit_price)).toEqual(['90', '5', null]);
  });
});

describe('quote money', () => {
  it("keeps the currency's minor unit", () => {
    expect(quoteMoney('2570.40', 'EUR', 'en-US')).toBe('€2,570.40');
    expect(quoteMoney('1200', 'JPY', 'en-US')).toBe('¥1,200');
    expect(quoteMoney('1.234', 'BHD', 'en-US')).toContain('1.234');
  });
});
