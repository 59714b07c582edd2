// A timeline entry in the reader's language. Contacts' timeline items carry the event's
// type, actor, subject and an English `summary`; the words are rebuilt here from the
// structured parts: the event's `data` when the item has it, else the values contacts
// put in its fixed summary templates (ids, codes, amounts: never shown as English), and
// for the customer's own changes the field history (from → to, department). Only an
// unknown type shows the server's summary as it is.
import type { HistoryEntry, TimelineItem } from '../../api/types';
import { displayValue } from '../../conflict/diff';
import { formatMoney } from '../../lib/format';

export type T = (key: string, opts?: Record<string, unknown>) => string;

export interface Change { field: string; from: unknown; to: unknown }

export interface Described {
  /** The sentence, in the active language. */
  title: string;
  /** false: an unknown type, `title` is the server's summary. */
  known: boolean;
  changes: Change[];
  actor: { kind: 'user' | 'system' | 'unknown'; id: string; department: string | null };
}

export interface TimelineContext {
  customerId: string;
  /** The customer's field history (GET /customers/{id}/history), newest first. */
  history?: HistoryEntry[];
  /** Stage id → the pipeline's own name (fallback when `stages.<id>` has no key). */
  stageNames?: Record<string, string>;
}

/** `user:ana@sales` → user ana, department sales; `system:service-desk` → a service. */
export function parseActor(actor: string | null | undefined): Described['actor'] {
  if (!actor) return { kind: 'unknown', id: '—', department: null };
  const m = /^([a-z_]+):(.*)$/.exec(actor);
  const kind = m?.[1] === 'system' ? 'system' : m?.[1] === 'user' ? 'user' : 'unknown';
  const rest = m ? m[2] : actor;
  const at = rest.lastIndexOf('@');
  if (kind !== 'system' && at > 0) return { kind, id: rest.slice(0, at), department: rest.slice(at + 1) || null };
  return { kind, id: rest, department: null };
}

// A Python repr'd string, as contacts' summaries quote names: 'a' or "it's".
const Q = String.raw`(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")`;
const unq = (m: RegExpExecArray, i: number) => (m[i] ?? m[i + 1] ?? '').replace(/\\(.)/g, '$1');

interface Parsed { name?: string; amount?: string; currency?: string; from?: string; to?: string; status?: string; priority?: string; target?: string; fields?: string[]; count?: number }

/** The values inside contacts' summary templates (crm_contacts/domain/timeline.py). */
export function parseSummary(type: string, summary: string): Parsed | null {
  let m: RegExpExecArray | null;
  switch (type) {
    case 'crm.customer.created':
      return (m = /^Customer (.*) created$/.exec(summary)) ? { name: m[1] } : null;
    case 'crm.customer.updated':
      if (summary === 'Changed nothing') return { fields: [] };
      return (m = /^Changed (.+)$/.exec(summary)) ? { fields: m[1].split(', ').filter(Boolean) } : null;
    case 'crm.customer.merged':
      return (m = /^Merged (\d+) duplicate/.exec(summary)) ? { count: Number(m[1]) } : null;
    case 'crm.deal.created':
    case 'crm.deal.won':
    case 'crm.deal.lost':
      return (m = new RegExp(`^Deal ${Q} \\w+ \\((\\S+) (\\S+)\\)$`).exec(summary)) ? { name: unq(m, 1), amount: m[3], currency: m[4] } : null;
    case 'crm.deal.stage_changed':
      return (m = new RegExp(`^Deal ${Q} moved (\\S+) → (\\S+)$`).exec(summary)) ? { name: unq(m, 1), from: m[3], to: m[4] } : null;
    case 'crm.ticket.opened':
      return (m = new RegExp(`^Ticket ${Q} opened \\((\\w+)\\)$`).exec(summary)) ? { name: unq(m, 1), priority: m[3] } : null;
    case 'crm.ticket.sla_breached':
      return (m = new RegExp(`^Ticket ${Q} breached its (\\w+) SLA$`).exec(summary)) ? { name: unq(m, 1), target: m[3] } : null;
  }
  if (type.startsWith('crm.ticket.')) {
    return (m = new RegExp(`^Ticket ${Q}: .* \\((\\w+)\\)$`).exec(summary)) ? { name: unq(m, 1), status: m[3] } : null;
  }
  if (type.startsWith('crm.deal.')) {
    return (m = new RegExp(`^Deal ${Q}: `).exec(summary)) ? { name: unq(m, 1) } : null;
  }
  return null;
}

/** The same values from the event's own data, when the item carries it. */
function fromData(item: TimelineItem): Parsed {
  const d = item.data ?? {};
  const s = (typeof d.snapshot === 'object' && d.snapshot !== null ? d.snapshot : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const out: Parsed = {
    name: str(s.name) ?? str(s.subject) ?? str(s.display_name),
    amount: s.amount !== undefined && s.amount !== null ? String(s.amount) : undefined,
    currency: str(s.currency),
    from: str(d.from_stage),
    to: str(d.to_stage),
    status: str(s.status),
    priority: str(s.priority),
    target: str(d.target),
    fields: Array.isArray(d.changed_fields) ? (d.changed_fields as unknown[]).map(String) : undefined,
    count: Array.isArray(d.merged_ids) ? d.merged_ids.length : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Parsed;
}

const HISTORY_FOR: Record<string, (type: string) => boolean> = {
  'crm.customer.created': (h) => h === 'created',
  'crm.customer.merged': (h) => h === 'merged',
  'crm.customer.updated': (h) => !['created', 'merged', 'erased', 'archived', 'restored'].includes(h),
};
const MATCH_WINDOW_MS = 5_000;

/** The history entry of the customer's own change this timeline item reports (same kind, closest in time). */
export function matchHistory(item: TimelineItem, ctx: TimelineContext): HistoryEntry | undefined {
  const accepts = HISTORY_FOR[item.type];
  if (!accepts || (item.subject && item.subject !== ctx.customerId)) return undefined;
  const at = Date.parse(item.time);
  let best: HistoryEntry | undefined;
  let bestGap = Infinity;
  for (const h of ctx.history ?? []) {
    if (!accepts(h.type)) continue;
    const gap = Math.abs(Date.parse(h.at) - at);
    if (gap <= MATCH_WINDOW_MS && gap < bestGap) [best, bestGap] = [h, gap];
  }
  return best;
}

/** Values of enumerated fields in words; the rest as they are. */
export function changeValue(field: string, v: unknown, t: T): string {
  if (typeof v === 'string') {
    if (field === 'lifecycle_stage') return t(`lifecycle.${v}`, { defaultValue: v });
    if (field === 'kind') return t(`kind.${v}`, { defaultValue: v });
  }
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  return displayValue(v);
}

export function describeTimelineItem(item: TimelineItem, ctx: TimelineContext, t: T, locale: string): Described {
  const actor = parseActor(item.actor);
  const parsed: Parsed = { ...(parseSummary(item.type, item.summary) ?? {}), ...fromData(item) };
  const history = matchHistory(item, ctx);
  if (history?.department && !actor.department) actor.department = history.department;
  const changes: Change[] = item.type === 'crm.customer.updated' ? (history?.changes ?? []) : [];
  const event = t(`events.${item.type}`, { defaultValue: '' });
  const stage = (id: string | undefined) => (id ? t(`stages.${id}`, { defaultValue: ctx.stageNames?.[id] ?? id }) : '—');
  const money = () => formatMoney(parsed.amount, parsed.currency, locale);
  const name = parsed.name ?? '';
  const known = (title: string): Described => ({ title, known: true, changes, actor });

  switch (item.type) {
    case 'crm.customer.created':
      return known(name ? t('timeline.customerCreated', { name }) : event);
    case 'crm.customer.updated': {
      const fields = changes.length ? changes.map((c) => c.field) : (parsed.fields ?? []);
      if (!fields.length) return known(event);
      const list = new Intl.ListFormat(locale, { type: 'conjunction' }).format(fields.map((f) => t(`fields.${f}`, { defaultValue: f })));
      return known(t('timeline.customerChanged', { fields: list }));
    }
    case 'crm.customer.merged':
      return known(parsed.count !== undefined ? t('timeline.merged', { count: parsed.count }) : event);
    case 'crm.deal.created':
      if (parsed.name !== undefined) return known(t('timeline.dealOpened', { name, amount: money() }));
      break;
    case 'crm.deal.won':
    case 'crm.deal.lost':
      if (parsed.name !== undefined) return known(t(item.type === 'crm.deal.won' ? 'timeline.dealWon' : 'timeline.dealLost', { name, amount: money() }));
      break;
    case 'crm.deal.stage_changed':
      if (parsed.name !== undefined) return known(t('timeline.dealMoved', { name, from: stage(parsed.from), to: stage(parsed.to) }));
      break;
    case 'crm.ticket.opened':
      if (parsed.name !== undefined) return known(t('timeline.ticketOpened', { subject: name, priority: t(`priority.${parsed.priority}`, { defaultValue: parsed.priority ?? '' }) }));
      break;
    case 'crm.ticket.sla_breached':
      if (parsed.name !== undefined) return known(t('timeline.slaBreached', { subject: name, target: t(`timeline.slaTarget.${parsed.target}`, { defaultValue: parsed.target ?? '' }) }));
      break;
  }
  if (event && item.type.startsWith('crm.ticket.') && parsed.name !== undefined) {
    return known(parsed.status
      ? t('timeline.ticketEvent', { event, subject: name, status: t(`ticketStatus.${parsed.status}`, { defaultValue: parsed.status }) })
      : t('timeline.ticketEventNoStatus', { event, subject: name }));
  }
  if (event && item.type.startsWith('crm.deal.') && parsed.name !== undefined) return known(t('timeline.dealEvent', { event, name }));
  // a known type with no values to show (or a summary in another shape): its name, never English
  if (event) return known(event);
  return { title: item.summary || event || item.type, known: false, changes, actor };
}
