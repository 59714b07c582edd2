import { describe, expect, it } from 'vitest';
import { changedFields, diffConflict, displayValue, hasRealConflict, mineOnTop, sameValue } from './diff';

describe('sameValue', () => {
  it('compares arrays and objects by content and treats null and undefined alike', () => {
    expect(sameValue(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameValue(['a'], ['a', 'b'])).toBe(false);
    expect(sameValue({ x: 1, y: [1] }, { y: [1], x: 1 })).toBe(true);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue(0, null)).toBe(false);
    expect(sameValue('1', 1)).toBe(false);
  });
});

describe('changedFields', () => {
  it('keeps only what the user edited', () => {
    expect(changedFields({ a: 1, b: 'x', t: ['v'] }, { a: 1, b: 'y', t: ['v'] })).toEqual({ b: 'y' });
  });
});

describe('diffConflict', () => {
  const base = { phone: '1', industry: 'Retail', region: 'EMEA', tags: ['a'], version: 3 };

  it('marks a field both sides changed differently as a conflict, first', () => {
    const diffs = diffConflict(base, { phone: '2', region: 'APAC' }, { ...base, phone: '3', version: 4 }, ['phone', 'industry', 'region', 'tags']);
    expect(diffs.map((d) => [d.field, d.state])).toEqual([
      ['phone', 'conflict'],
      ['region', 'mine'],
    ]);
    expect(hasRealConflict(diffs)).toBe(true);
  });

  it('shows their changes to fields I did not touch, and agreement as same', () => {
    const diffs = diffConflict(base, { phone: '2' }, { ...base, phone: '2', industry: 'Tech', version: 5 }, ['phone', 'industry']);
    expect(diffs.map((d) => [d.field, d.state])).toEqual([
      ['phone', 'same'],
      ['industry', 'theirs'],
    ]);
    expect(hasRealConflict(diffs)).toBe(false);
  });

  it('ignores bookkeeping fields outside the list', () => {
    const diffs = diffConflict(base, { phone: '2' }, { ...base, version: 9 }, ['phone']);
    expect(diffs).toEqual([{ field: 'phone', base: '1', mine: '2', theirs: '1', state: 'mine' }]);
  });

  it('compares arrays by value', () => {
    const diffs = diffConflict(base, { tags: ['a', 'b'] }, { ...base, tags: ['a', 'c'] }, ['tags']);
    expect(diffs[0]?.state).toBe('conflict');
  });
});

describe('mineOnTop', () => {
  it('re-sends my values for conflicts and my own changes, not for agreement or theirs', () => {
    const diffs = diffConflict({ a: 1, b: 1, c: 1, d: 1 }, { a: 2, b: 2, c: 2 }, { a: 3, b: 1, c: 2, d: 5 }, ['a', 'b', 'c', 'd']);
    expect(mineOnTop(diffs)).toEqual({ a: 2, b: 2 });
  });
});

describe('displayValue', () => {
  it('shows empty values as a dash and lists joined', () => {
    expect(displayValue(null)).toBe('—');
    expect(displayValue([])).toBe('—');
    expect(displayValue(['a', 'b'])).toBe('a, b');
    expect(displayValue(3)).toBe('3');
  });
});
