import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry, TimelineItem } from '../../api/types';
import { en } from '../../i18n/en';
import { zhCN } from '../../i18n/zh-CN';
import { describeTimelineItem, parseActor, parseSummary } from './timelineText';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false } });
});
const tIn = (lng: string) => i18n.getFixedT(lng) as unknown as (k: string, o?: Record<string, unknown>) => string;

const C = 'c1';
const item = (type: string, summary: string, extra: Partial<TimelineItem> = {}): TimelineItem =>
  ({ event_id: 'e', time: '2026-12-02T02:32:19.934Z', type, summary, actor: 'user:ana@sales', source: '/crm/x', subject: 'd1', ...extra });
const history: HistoryEntry[] = [{
  version: 2, at: '2026-12-02T02:32:19.936Z', actor: 'system:contacts', actor_id: null, department: null, type: 'lifecycle', origin: null,
  changes: [{ field: 'lifecycle_stage', from: 'opportunity', to: 'customer' }], merged_ids: null, merged_into: null, reason: null,
}];

// the summaries exactly as contacts writes them (crm_contacts/domain/timeline.py)
const samples: TimelineItem[] = [
  item('crm.customer.created', 'Customer Stark Industries created', { subject: C }),
  item('crm.customer.updated', 'Changed lifecycle_stage', { subject: C, actor: 'system:contacts' }),
  item('crm.customer.merged', 'Merged 2 duplicate(s) into this customer', { subject: C }),
  item('crm.deal.created', "Deal 'Stark Industries expansion' opened (60000.00 EUR)"),
  item('crm.deal.stage_changed', "Deal 'Stark Industries expansion' moved initial_contact → qualification"),
  item('crm.deal.won', "Deal 'Stark renewal' won (91000.00 EUR)"),
  item('crm.deal.lost', 'Deal "It\'s over" lost (5.00 USD)'),
  item('crm.ticket.opened', "Ticket 'Cannot log in' opened (urgent)"),
  item('crm.ticket.sla_breached', "Ticket 'Cannot log in' breached its first_response SLA"),
  item('crm.ticket.sla_warning', "Ticket 'Cannot log in': sla warning (new)"),
  item('crm.ticket.commented', "Ticket 'Cannot log in': commented (new)"),
  item('crm.ticket.status_changed', "Ticket 'Cannot log in': status changed (pending)", { actor: 'user:huang.li@service' }),
  item('crm.customer.archived', 'customer.archived', { subject: C }),
];

describe('timeline entries in the reader language', () => {
  it('reads the values out of the summary templates', () => {
    expect(parseSummary('crm.deal.stage_changed', "Deal 'A b' moved proposal → closed_won")).toEqual({ name: 'A b', from: 'proposal', to: 'closed_won' });
    expect(parseSummary('crm.deal.lost', 'Deal "It\'s" lost (5.00 USD)')).toEqual({ name: "It's", amount: '5.00', currency: 'USD' });
    expect(parseSummary('crm.customer.updated', 'Changed phones, tags')).toEqual({ fields: ['phones', 'tags'] });
    expect(parseSummary('crm.ticket.commented', "Ticket 'x': commented (open)")).toEqual({ name: 'x', status: 'open' });
  });

  it('writes English sentences from the parts', () => {
    const ctx = { customerId: C, history };
    const d = samples.map((s) => describeTimelineItem(s, ctx, tIn('en'), 'en'));
    expect(d.map((x) => x.title)).toEqual([
      'Customer Stark Industries created',
      'Changed Lifecycle stage',
      'Merged 2 duplicates into this customer',
      'Deal “Stark Industries expansion” opened (€60,000)',
      'Deal “Stark Industries expansion” moved from Initial contact to Qualification',
      'Deal “Stark renewal” won (€91,000)',
      'Deal “It\'s over” lost ($5)',
      'Ticket “Cannot log in” opened (Urgent priority)',
      'Ticket “Cannot log in” breached its first response target',
      'SLA at risk: ticket “Cannot log in” (now New)',
      'Ticket comment: ticket “Cannot log in” (now New)',
      'Ticket status changed: ticket “Cannot log in” (now Pending)',
      'Customer archived',
    ]);
    expect(d.every((x) => x.known)).toBe(true);
    // the customer's own change carries its from → to, found in the field history
    expect(d[1].changes).toEqual([{ field: 'lifecycle_stage', from: 'opportunity', to: 'customer' }]);
    expect(d[11].actor).toEqual({ kind: 'user', id: 'huang.li', department: 'service' });
  });

  it('has no English sentence in Chinese for the known types', () => {
    const d = samples.map((s) => describeTimelineItem(s, { customerId: C, history }, tIn('zh-CN'), 'zh-CN'));
    expect(d[4].title).toBe('商机“Stark Industries expansion”从初步接触移至资格确认');
    expect(d[1].title).toBe('修改了生命周期阶段');
    for (const x of d) {
      // what is left in Latin letters is the record's own names, never the template's words
      const latin = x.title.replace(/“[^”]*”/g, '').replace(/Stark Industries/g, '').replace(/SLA/g, '');
      expect(latin, x.title).not.toMatch(/[A-Za-z]{3,}/);
    }
  });

  it('prefers the event data when the item carries it', () => {
    const withData = item('crm.deal.stage_changed', 'whatever', { data: { from_stage: 'proposal', to_stage: 'negotiation', snapshot: { name: 'Big' } } });
    expect(describeTimelineItem(withData, { customerId: C }, tIn('en'), 'en').title).toBe('Deal “Big” moved from Proposal/quote to Negotiation');
  });

  it('falls back to the server summary only for an unknown type', () => {
    const d = describeTimelineItem(item('crm.partner.signed', 'Partner signed'), { customerId: C }, tIn('zh-CN'), 'zh-CN');
    expect(d).toMatchObject({ title: 'Partner signed', known: false });
    const odd = describeTimelineItem(item('crm.deal.won', 'some other shape'), { customerId: C }, tIn('zh-CN'), 'zh-CN');
    expect(odd).toMatchObject({ title: '商机赢单', known: true });
  });

  it('reads actors', () => {
    expect(parseActor('user:ana@sales')).toEqual({ kind: 'user', id: 'ana', department: 'sales' });
    expect(parseActor('user:admin')).toEqual({ kind: 'user', id: 'admin', department: null });
    expect(parseActor('system:service-desk')).toEqual({ kind: 'system', id: 'service-desk', department: null });
    expect(parseActor(null).kind).toBe('unknown');
  });
});
