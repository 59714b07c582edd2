import { describe, expect, it } from 'vitest';
import { editRow, fromRows, ruleId, sendAtIso, toRows, typedValue, type ScoreRule } from './scoring';

describe('scoring rules as rows', () => {
  const rules: ScoreRule[] = [
    { id: 'web', points: 20, conditions: { match: 'all', conditions: [{ field: 'source', op: 'eq', value: 'web_form' }] } },
    { id: 'regions', points: 5, conditions: { match: 'all', conditions: [{ field: 'region', op: 'in', value: ['emea', 'apac'] }] } },
    {
      id: 'nested', points: 10,
      conditions: { match: 'any', conditions: [{ field: 'has_email', op: 'eq', value: true }, { field: 'status', op: 'eq', value: 'new' }] },
    },
  ];

  it('round-trips single conditions and keeps nested groups untouched', () => {
    const rows = toRows(rules);
    expect(rows[0]).toEqual({ id: 'web', field: 'source', op: 'eq', value: 'web_form', points: 20 });
    expect(rows[1].value).toBe('emea, apac');
    expect(rows[2].kept).toEqual(rules[2].conditions);
    expect(fromRows(rows)).toEqual(rules);
  });

  it('types values by field and condition', () => {
    expect(typedValue('has_company', 'eq', 'false')).toBe(false);
    expect(typedValue('has_company', 'eq', 'true')).toBe(true);
    expect(typedValue('form_submissions', 'gte', '2')).toBe(2);
    expect(typedValue('industry', 'not_in', 'retail, ,energy')).toEqual(['retail', 'energy']);
  });

  it('drops the value of exists conditions', () => {
    const [rule] = fromRows([{ id: 'x', field: 'industry', op: 'exists', value: 'ignored', points: 3 }]);
    expect(rule.conditions.conditions[0]).toEqual({ field: 'industry', op: 'exists' });
  });

  it('makes ids the API accepts, unique', () => {
    expect(ruleId('source', 'Web Form!', new Set())).toBe('source-web-form');
    expect(ruleId('source', 'web', new Set(['source-web']))).toBe('source-web-2');
    expect(ruleId('_', '', new Set())).toMatch(/^[a-z0-9][a-z0-9_-]{0,39}$/);
    expect(ruleId('x'.repeat(60), '', new Set())).toMatch(/^[a-z0-9][a-z0-9_-]{0,39}$/);
  });
});

describe('editing rows', () => {
  const rows = [
    { id: 'source-web_form', field: 'source', op: 'eq', value: 'web_form', points: 10 },
    { id: 'source-web_form-2', field: 'source', op: 'eq', value: 'web_form', points: 10, fresh: true },
  ];
  it('renames a new rule after its field and value, keeps saved ids', () => {
    expect(editRow(rows, 1, { field: 'form_submissions', op: 'gte', value: '1' })[1].id).toBe('form_submissions-1');
    expect(editRow(rows, 1, { op: 'exists' })[1].id).toBe('source-exists');
    expect(editRow(rows, 0, { value: 'event' })[0]).toEqual({ ...rows[0], value: 'event' });
  });
  it('keeps new ids unique', () => {
    expect(editRow(rows, 1, { points: 5 })[1].id).toBe('source-web_form-2');
  });
});

describe('send at', () => {
  const now = new Date('2026-12-02T10:00:00Z');
  it('turns a local time into an ISO instant', () => {
    const iso = sendAtIso('2027-01-05T09:30', now);
    expect(iso).toBe(new Date('2027-01-05T09:30').toISOString());
  });
  it('refuses empty, unparsable and past times', () => {
    expect(sendAtIso('', now)).toBeNull();
    expect(sendAtIso('not a date', now)).toBeNull();
    expect(sendAtIso('2020-01-01T00:00', now)).toBeNull();
  });
});
