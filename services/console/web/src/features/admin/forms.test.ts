import { describe, expect, it } from 'vitest';
import type { SlaPolicy } from '../../api/services';
import { describeRules, describeTargets, emptyRule, formToRuleSet, hours, move, newRuleId, ruleProblems, ruleSetToForm, seconds, slaDoc } from './forms';

const doc = {
  rules: [
    { id: 'emea', name: 'EMEA', match: { regions: ['EMEA'] }, owner_id: 'ana', team: null, members: [] },
    { id: 'apac-team', name: 'APAC', match: { regions: ['APAC'], sources: ['web'] }, owner_id: null, team: 'sales-east', members: ['li.wei', 'chen.jie'] },
  ],
  fallback_owner_id: null,
  fallback_team: 'sales-west',
};

describe('assignment rules as a form', () => {
  it('round-trips the document', () => {
    expect(formToRuleSet(ruleSetToForm(doc))).toEqual(doc);
  });
  it('leaves out empty conditions, trims, dedupes; an owner rule drops members', () => {
    const f = ruleSetToForm(doc);
    f.rules[0] = { ...f.rules[0], regions: [' EMEA ', 'EMEA', ''], industries: [], members: ['x'] };
    f.rules[1] = { ...f.rules[1], sources: [] };
    const out = formToRuleSet(f);
    expect(out.rules[0]).toEqual({ id: 'emea', name: 'EMEA', match: { regions: ['EMEA'] }, owner_id: 'ana', team: null, members: [] });
    expect(out.rules[1].match).toEqual({ regions: ['APAC'] });
  });
  it('switching a rule to a team clears its owner', () => {
    const f = ruleSetToForm(doc);
    f.rules[0] = { ...f.rules[0], target: 'team', team: 'emea-team', members: ['ana', 'bob'] };
    expect(formToRuleSet(f).rules[0]).toMatchObject({ owner_id: null, team: 'emea-team', members: ['ana', 'bob'] });
  });
  it('reorders', () => {
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
  });
  it('makes valid, unique ids for new rules', () => {
    expect(newRuleId('West Coast / Retail', [])).toBe('west-coast-retail');
    expect(newRuleId('rule', ['rule', 'rule-2'])).toBe('rule-3');
    expect(newRuleId('华东', [])).toBe('rule');
    expect(emptyRule(['rule']).id).toBe('rule-2');
    expect(newRuleId('x'.repeat(100), [])).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
  });
  it('says what is missing', () => {
    const f = ruleSetToForm(doc);
    f.rules.push(emptyRule(f.rules.map((r) => r.id)));
    expect(ruleProblems(f)).toEqual({ 2: 'admin.rulesForm.needOwner' });
  });
});

describe('SLA policy form', () => {
  it('keeps only the editable fields (the PUT refuses others)', () => {
    const p = { id: 'p1', version: 3, created_at: 'x', updated_at: 'y', name: 'Std', position: 1, active: true, calendar: { kind: '24x7', timezone: 'UTC' },
      warning_share: null, pause_statuses: [], targets: [] } as unknown as SlaPolicy;
    expect(Object.keys(slaDoc(p)).sort()).toEqual(['active', 'calendar', 'name', 'pause_statuses', 'position', 'targets', 'warning_share']);
  });
  it('converts hours and seconds', () => {
    expect(hours(1800)).toBe(0.5);
    expect(seconds(0.5)).toBe(1800);
    expect(seconds(0)).toBe(1); // the service wants > 0
    expect(hours(seconds(72))).toBe(72);
  });
});

describe('values in words for the conflict view', () => {
  const t = (k: string, o?: Record<string, unknown>) => (o && 'n' in o ? `${String(o.n)} h` : k.split('.').pop() ?? k);
  it('lists rules in order', () => {
    expect(describeRules(doc.rules, t)).toBe('1. EMEA: regions EMEA → ana\n2. APAC: regions APAC; sources web → sales-east (li.wei, chen.jie)');
    expect(describeRules([], t)).toBe('—');
  });
  it('lists targets in hours', () => {
    expect(describeTargets([{ priority: 'urgent', tier: 'gold', first_response_s: 1800, resolution_s: 14400 }], t)).toBe('urgent (gold): 0.5 h / 4 h');
  });
});
