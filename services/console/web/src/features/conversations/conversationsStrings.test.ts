import { describe, expect, it } from 'vitest';
import { conversationsEn, conversationsZhCN } from './conversationsStrings';

describe('conversations strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(conversationsZhCN).sort()).toEqual(Object.keys(conversationsEn).sort());
    for (const [key, value] of Object.entries(conversationsZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(conversationsEn[key as keyof typeof conversationsEn]);
    }
  });
});
