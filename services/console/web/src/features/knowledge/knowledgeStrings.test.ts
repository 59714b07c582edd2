import { describe, expect, it } from 'vitest';
import { knowledgeEn, knowledgeZhCN } from './knowledgeStrings';

describe('knowledge strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(knowledgeZhCN).sort()).toEqual(Object.keys(knowledgeEn).sort());
    for (const [key, value] of Object.entries(knowledgeZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(knowledgeEn[key as keyof typeof knowledgeEn]);
    }
  });
});
