import { describe, expect, it } from 'vitest';
import { bySlaUrgency, slaState } from './sla';

const now = Date.parse('2026-12-02T10:00:00Z');
const base = {
  status: 'open' as const,
  first_response_at: null,
  first_response_due_at: '2026-12-02T12:00:00Z',
  resolution_due_at: '2026-12-03T10:00:00Z',
  sla_breaches: [] as string[],
  sla: { policy_name: 'p', warning_share: 0.75, first_response_s: 4 * 3600, resolution_s: 24 * 3600 },
};

describe('slaState', () => {
  it('counts down the first response until it is given', () => {
    const s = slaState(base, now);
    expect(s.clock).toBe('first_response');
    expect(s.remainingS).toBe(7200);
    expect(s.level).toBe('ok');
  });
  it('warns in the last quarter of the target and breaches past due', () => {
    expect(slaState(base, Date.parse('2026-12-02T11:30:00Z')).level).toBe('warning');
    expect(slaState(base, Date.parse('2026-12-02T12:00:01Z')).level).toBe('breached');
  });
  it('moves to the resolution clock after the first reply, and stops when solved', () => {
    expect(slaState({ ...base, first_response_at: '2026-12-02T09:00:00Z' }, now).clock).toBe('resolution');
    expect(slaState({ ...base, status: 'solved' }, now).level).toBe('none');
  });
  it('trusts the server about a breach', () => {
    expect(slaState({ ...base, sla_breaches: ['first_response'] }, now).level).toBe('breached');
  });
  it('sorts the most urgent first', () => {
    const late = { ...base, first_response_due_at: '2026-12-02T09:00:00Z' };
    const none = { ...base, first_response_due_at: null, resolution_due_at: null };
    expect([none, base, late].sort(bySlaUrgency(now))).toEqual([late, base, none]);
  });
});
