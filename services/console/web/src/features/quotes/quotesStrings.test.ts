import { describe, expect, it } from 'vitest';
import { quotesEn, quotesZhCN } from './quotesStrings';

describe('quotes strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(quotesZhCN).sort()).toEqual(Object.keys(quotesEn).sort());
    for (const [key, value] of Object.entries(quotesZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(quotesEn[key as keyof typeof quotesEn]);
    }
  });

  it('keeps the same placeholders in both languages', () => {
    const vars = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort();
    for (const [key, value] of Object.entries(quotesEn)) {
      expect(vars(quotesZhCN[key as keyof typeof quotesEn]), key).toEqual(vars(value));
    }
  });
});
