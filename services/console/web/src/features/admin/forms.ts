// Admin documents as forms: the assignment rule set (an ordered list of conditions →
// owner or team) and SLA policies (targets in hours). Pure conversions, tested.
import type { AssignmentRules, SlaPolicy } from '../../api/services';

export type RuleDoc = AssignmentRules['rules'][number];
export type RuleSetDoc = Omit<AssignmentRules, 'version'>;

export interface RuleForm {
  /** Stable id (kept for existing rules, made from the name for new ones). */
  id: string;
  name: string;
  regions: string[];
  industries: string[];
  sources: string[];
  target: 'owner' | 'team';
  owner_id: string;
  team: string;
  members: string[];
}

export interface RuleSetForm {
  rules: RuleForm[];
  fallback_owner_id: string;
  fallback_team: string;
}

export function ruleSetToForm(doc: RuleSetDoc): RuleSetForm {
  return {
    rules: doc.rules.map((r) => ({
      id: r.id, name: r.name ?? '',
      regions: r.match?.regions ?? [], industries: r.match?.industries ?? [], sources: r.match?.sources ?? [],
      target: r.team && !r.owner_id ? 'team' : 'owner',
      owner_id: r.owner_id ?? '', team: r.team ?? '', members: r.members ?? [],
    })),
    fallback_owner_id: doc.fallback_owner_id ?? '',
    fallback_team: doc.fallback_team ?? '',
  };
}

const blank = (s: string) => (s.trim() ? s.trim() : null);
const clean = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];

/** The document sales' PUT /assignment-rules takes (RuleSet). Empty conditions are left out. */
export function formToRuleSet(form: RuleSetForm): RuleSetDoc {
  return {
    rules: form.rules.map((r) => {
      const match: RuleDoc['match'] = {};
      if (clean(r.regions).length) match.regions = clean(r.regions);
      if (clean(r.industries).length) match.industries = clean(r.industries);
      if (clean(r.sources).length) match.sources = clean(r.sources);
      return r.target === 'owner'
        ? { id: r.id, name: r.name.trim(), match, owner_id: blank(r.owner_id), team: blank(r.team), members: [] }
        : { id: r.id, name: r.name.trim(), match, owner_id: null, team: blank(r.team), members: clean(r.members) };
    }),
    fallback_owner_id: blank(form.fallback_owner_id),
    fallback_team: blank(form.fallback_team),
  };
}

/** A rule id the service accepts (^[a-z0-9][a-z0-9_-]{0,63}$), unique in the set. */
export function newRuleId(name: string, taken: readonly string[]): string {
  const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'rule';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

export function emptyRule(taken: readonly string[]): RuleForm {
  return { id: newRuleId('rule', taken), name: '', regions: [], industries: [], sources: [], target: 'owner', owner_id: '', team: '', members: [] };
}

/** Moves item i by delta (-1 up, +1 down); out of range: unchanged. */
export function move<T>(xs: readonly T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= xs.length || j < 0 || j >= xs.length) return [...xs];
  const out = [...xs];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** What is missing before the rule set can be saved (field → message key), per rule index. */
export function ruleProblems(form: RuleSetForm): Record<number, string> {
  const out: Record<number, string> = {};
  form.rules.forEach((r, i) => {
    if (r.target === 'owner' && !r.owner_id.trim()) out[i] = 'admin.rulesForm.needOwner';
    if (r.target === 'team' && !r.team.trim()) out[i] = 'admin.rulesForm.needTeam';
  });
  return out;
}

// --- SLA policies ----------------------------------------------------------------------

export const SLA_FIELDS = ['name', 'position', 'active', 'calendar', 'warning_share', 'pause_statuses', 'targets'] as const;
export type SlaDoc = Pick<SlaPolicy, (typeof SLA_FIELDS)[number]>;

/** The editable part of a policy (service-desk's PolicyRules: no id, version or times). */
export function slaDoc(p: SlaPolicy | SlaDoc): SlaDoc {
  return Object.fromEntries(SLA_FIELDS.map((k) => [k, (p as SlaDoc)[k]])) as SlaDoc;
}

export const hours = (s: number) => Math.round((s / 3600) * 100) / 100;
export const seconds = (h: number) => Math.max(1, Math.round(h * 3600));

// --- values in words for the conflict view ---------------------------------------------

type Tr = (key: string, opts?: Record<string, unknown>) => string;

/** "1. EMEA web: regions emea, sources web → ana" one line per rule. */
export function describeRules(rules: unknown, t: Tr): string {
  if (!Array.isArray(rules) || !rules.length) return '—';
  return (rules as RuleDoc[]).map((r, i) => {
    const conds = (['regions', 'industries', 'sources'] as const)
      .filter((k) => r.match?.[k]?.length)
      .map((k) => `${t(`admin.rulesForm.${k}`)} ${r.match[k]?.join(', ')}`);
    const to = r.owner_id ?? (r.team ? `${r.team}${r.members?.length ? ` (${r.members.join(', ')})` : ''}` : '—');
    return `${i + 1}. ${r.name || r.id}: ${conds.join('; ') || t('admin.rulesForm.any')} → ${to}`;
  }).join('\n');
}

/** "Urgent: 0.5 h / 4 h" one line per target. */
export function describeTargets(targets: unknown, t: Tr): string {
  if (!Array.isArray(targets) || !targets.length) return '—';
  return (targets as SlaDoc['targets']).map((x) =>
    `${t(`priority.${x.priority}`, { defaultValue: x.priority })}${x.tier ? ` (${x.tier})` : ''}: ${t('admin.slaForm.hours', { n: hours(x.first_response_s) })} / ${t('admin.slaForm.hours', { n: hours(x.resolution_s) })}`,
  ).join('\n');
}
