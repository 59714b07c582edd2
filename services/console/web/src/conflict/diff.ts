// Pure logic of the conflict view: what I changed, what they changed since I loaded,
// and where the two collide. No React here, so it is tested on its own.

export type Values = Record<string, unknown>;

export type FieldState =
  | 'conflict' // both changed it, to different values
  | 'mine' // only I changed it: applying mine on top changes it
  | 'same' // both changed it to the same value
  | 'theirs'; // only they changed it: kept whatever I choose

export interface FieldDiff {
  field: string;
  base: unknown;
  mine: unknown;
  theirs: unknown;
  state: FieldState;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) {
    return (a ?? null) === (b ?? null);
  }
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!sameValue(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}

/** The fields of `mine` that differ from what was loaded (`base`): what the user edited. */
export function changedFields(base: Values, mine: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(mine)) if (!sameValue(base[k], v)) out[k] = v;
  return out;
}

/**
 * Field by field: `base` is what I loaded, `mine` my edits (only the fields I sent),
 * `theirs` the record as it is now on the server. `fields` limits which of their
 * changes are shown (e.g. the editable ones; bookkeeping like version is ignored).
 */
export function diffConflict(base: Values, mine: Values, theirs: Values, fields?: string[]): FieldDiff[] {
  const keys = new Set<string>(Object.keys(mine));
  for (const k of fields ?? Object.keys(theirs)) if (!sameValue(base[k], theirs[k])) keys.add(k);
  const out: FieldDiff[] = [];
  for (const field of keys) {
    const iChanged = field in mine && !sameValue(base[field], mine[field]);
    const theyChanged = !sameValue(base[field], theirs[field]);
    let state: FieldState;
    if (iChanged && theyChanged) state = sameValue(mine[field], theirs[field]) ? 'same' : 'conflict';
    else if (iChanged) state = 'mine';
    else if (theyChanged) state = 'theirs';
    else continue;
    out.push({ field, base: base[field], mine: mine[field], theirs: theirs[field], state });
  }
  const order: Record<FieldState, number> = { conflict: 0, mine: 1, same: 2, theirs: 3 };
  return out.sort((a, b) => order[a.state] - order[b.state] || a.field.localeCompare(b.field));
}

/** What "apply mine on top" re-sends: my value for every field I changed that is not already so. */
export function mineOnTop(diffs: FieldDiff[]): Values {
  const out: Values = {};
  for (const d of diffs) if (d.state === 'conflict' || d.state === 'mine') out[d.field] = d.mine;
  return out;
}

export function hasRealConflict(diffs: FieldDiff[]): boolean {
  return diffs.some((d) => d.state === 'conflict');
}

export function displayValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map(displayValue).join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
