// Lead scoring rules as editable rows, and the campaign send-at time: pure logic (scoring.test.ts).
// A rule of one condition is a row (field, condition, value, points); a rule with a nested
// group (made through the API) is kept as it is and only its points are editable.
import type { Group, Rule } from './api';

export type ScoreRule = { id: string; conditions: Group; points: number };
export type Scoring = { rules: ScoreRule[]; threshold: number; half_life_days: number | null; version: number };
export type RuleRow = { id: string; field: string; op: string; value: string; points: number; kept?: Group; fresh?: boolean };

// The lead's fields the scoring rules read (marketing's domain/scoring.py lead_profile).
export const LEAD_FIELDS = ['source', 'industry', 'region', 'status', 'has_email', 'has_company', 'form_submissions'];
export const SCORE_OPS = ['eq', 'ne', 'in', 'not_in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'];
const BOOLEAN = new Set(['has_email', 'has_company']);
const NUMERIC = new Set(['form_submissions']);

export function typedValue(field: string, op: string, raw: string): Rule['value'] {
  if (BOOLEAN.has(field)) return raw.trim().toLowerCase() !== 'false';
  if (NUMERIC.has(field)) return Number(raw);
  if (op === 'in' || op === 'not_in') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  return raw.trim();
}

function single(group: Group): Rule | null {
  if (group.negate || group.conditions.length !== 1) return null;
  const c = group.conditions[0];
  return 'field' in c ? c : null;
}

export function toRows(rules: ScoreRule[]): RuleRow[] {
  return rules.map((r) => {
    const c = single(r.conditions);
    if (!c) return { id: r.id, field: '', op: '', value: '', points: r.points, kept: r.conditions };
    const value = c.value === undefined || c.value === null ? '' : Array.isArray(c.value) ? c.value.join(', ') : String(c.value);
    return { id: r.id, field: c.field, op: c.op, value, points: r.points };
  });
}

/** A rule id the API accepts (^[a-z0-9][a-z0-9_-]{0,39}$), unique among `taken`. */
export function ruleId(field: string, value: string, taken: Set<string>): string {
  const base = `${field}-${value}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 36).replace(/-+$/, '') || 'rule';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** A row changed: a rule not saved yet is renamed after its field and value. */
export function editRow(rows: RuleRow[], i: number, patch: Partial<RuleRow>): RuleRow[] {
  return rows.map((r, j) => {
    if (j !== i) return r;
    const next = { ...r, ...patch };
    if (!r.fresh) return next;
    const taken = new Set(rows.filter((_, k) => k !== i).map((o) => o.id));
    return { ...next, id: ruleId(next.field, next.op.endsWith('exists') ? next.op : next.value, taken) };
  });
}

export function fromRows(rows: RuleRow[]): ScoreRule[] {
  return rows.map((r) => ({
    id: r.id,
    points: r.points,
    conditions: r.kept ?? {
      match: 'all',
      conditions: [{ field: r.field, op: r.op, ...(r.op.endsWith('exists') ? {} : { value: typedValue(r.field, r.op, r.value) }) }],
    },
  }));
}

/** A datetime-local input's value ("2026-12-24T09:30", the browser's time zone) as an ISO
 *  instant the API takes (it wants a time zone); null if empty, unparsable or not in the future. */
export function sendAtIso(local: string, now: Date = new Date()): string | null {
  if (!local) return null;
  const at = new Date(local);
  if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) return null;
  return at.toISOString();
}
