import { describe, expect, it } from 'vitest';
import { marketingEn, marketingZhCN } from './marketingStrings';

describe('marketing strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(marketingZhCN).sort()).toEqual(Object.keys(marketingEn).sort());
    for (const [key, value] of Object.entries(marketingZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(marketingEn[key as keyof typeof marketingEn]);
    }
  });
});
