import { describe, expect, it } from 'vitest';
import { customerInsightsEn, customerInsightsZhCN } from './customerInsightsStrings';

describe('customer insights strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(customerInsightsZhCN).sort()).toEqual(Object.keys(customerInsightsEn).sort());
    for (const [key, value] of Object.entries(customerInsightsZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(customerInsightsEn[key as keyof typeof customerInsightsEn]);
    }
  });
});
