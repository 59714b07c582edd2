import { describe, expect, it } from 'vitest';
import { membershipChanges } from './directoryApi';
import { peopleEn, peopleZhCN } from './peopleStrings';

describe('people strings', () => {
  it('has every key in both languages, translated', () => {
    expect(Object.keys(peopleZhCN).sort()).toEqual(Object.keys(peopleEn).sort());
    for (const [key, value] of Object.entries(peopleZhCN)) {
      expect(value.length, key).toBeGreaterThan(0);
      expect(value, key).not.toBe(peopleEn[key as keyof typeof peopleEn]);
    }
  });
  it('seven day names in both languages', () => {
    expect(peopleEn.days.split(',')).toHaveLength(7);
    expect(peopleZhCN.days.split(',')).toHaveLength(7);
  });
});

describe('membership changes', () => {
  it('joins the new teams and leaves the dropped ones', () => {
    expect(membershipChanges(['a', 'b'], ['b', 'c'])).toEqual({ join: ['c'], leave: ['a'] });
    expect(membershipChanges([], [])).toEqual({ join: [], leave: [] });
  });
});
