import { describe, expect, it } from 'vitest';
import { ownerInactiveEn, ownerInactiveZhCN } from './ownerInactiveStrings';

describe('owner inactive strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(ownerInactiveZhCN).sort()).toEqual(Object.keys(ownerInactiveEn).sort());
    for (const [key, value] of Object.entries(ownerInactiveZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(ownerInactiveEn[key as keyof typeof ownerInactiveEn]);
    }
  });
});
