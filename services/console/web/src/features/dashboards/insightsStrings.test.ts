import { describe, expect, it } from 'vitest';
import { insightsEn, insightsZhCN } from './insightsStrings';

describe('insights strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(insightsZhCN).sort()).toEqual(Object.keys(insightsEn).sort());
    for (const [key, value] of Object.entries(insightsZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(insightsEn[key as keyof typeof insightsEn]);
    }
  });
});
