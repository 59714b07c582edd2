// One small client per service, paths exactly as in each service's OpenAPI,
// reached through the BFF at /api/{service}/...
import { get, request, newIdempotencyKey } from './client';
import type {
  Board, Comment, Customer, CustomerPage, Deal, DuplicateCandidate, FieldDefinition, FollowUp,
  HistoryEntry, Lead, LeadImportResult, Me, NotificationItem, Paged, Pipeline, SavedView, Ticket,
  TimelineItem, View360, AuthConfig, InsightsPipeline, InsightsSales, InsightsForecast, InsightsBacktest, CustomerInsights, InsightsService, InsightsCohorts,
} from './types';

const C = '/api/contacts';
const S = '/api/sales';
const D = '/api/service-desk';
const N = '/api/notifications';
const I = '/api/insights';

export type Query = Record<string, string | number | boolean | null | undefined | string[]>;

const PAGE = 200; // the services' cap on limit

/** Every item of an offset-paged list, page by page, up to `max`. */
export async function allPages<T>(list: (q: Query) => Promise<Paged<T>>, q: Query, max = 2000): Promise<Paged<T>> {
  const items: T[] = [];
  for (let offset = 0; offset < max; offset += PAGE) {
    const page = await list({ ...q, limit: PAGE, offset });
    items.push(...page.items);
    if (page.items.length < PAGE || (page.total !== undefined && items.length >= page.total)) break;
  }
  return { items, total: items.length };
}

export const consoleApi = {
  me: () => get<Me>('/api/me'),
  authConfig: () => get<AuthConfig>('/auth/config'),
  devLogin: (sub: string) => request<void>('/auth/dev-login', { method: 'POST', body: { sub } }),
  logout: () => request<void>('/auth/logout', { method: 'POST' }),
  views: (screen: string) => get<SavedView[]>('/api/views', { screen }),
  saveView: (v: Omit<SavedView, 'id'>) => request<SavedView>('/api/views', { method: 'POST', body: v }),
  deleteView: (id: string) => request<void>(`/api/views/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  notifications: () => get<NotificationItem[]>('/api/notifications'),
  markRead: (ids: string[]) => request<void>('/api/notifications/read', { method: 'POST', body: { ids } }),
};

export const contacts = {
  list: (q: Query, signal?: AbortSignal) => get<CustomerPage>(`${C}/customers`, q, signal),
  get: (id: string) => request<Customer>(`${C}/customers/${id}`),
  create: (body: Record<string, unknown>, idempotencyKey: string = newIdempotencyKey()) =>
    request<Customer>(`${C}/customers`, { method: 'POST', body, idempotencyKey }),
  patch: (id: string, body: Partial<Customer>, ifMatch: string | number) =>
    request<Customer>(`${C}/customers/${id}`, { method: 'PATCH', body, ifMatch }),
  view360: (id: string) => get<View360>(`${C}/customers/${id}/360`),
  timeline: (id: string, cursor?: string) =>
    get<{ items: TimelineItem[]; next_cursor: string | null }>(`${C}/customers/${id}/timeline`, { cursor, limit: 50 }),
  history: (id: string) => get<{ items: HistoryEntry[]; next_before: string | null }>(`${C}/customers/${id}/history`, { limit: 50 }),
  duplicates: (id: string) => get<{ customer_id: string; candidates: DuplicateCandidate[] }>(`${C}/customers/${id}/duplicates`),
  merge: (survivorId: string, duplicateIds: string[], ifMatch: string | number) =>
    request<unknown>(`${C}/customers/${survivorId}/merge`, { method: 'POST', body: { duplicate_ids: duplicateIds }, ifMatch }),
  exportData: (id: string) => get<unknown>(`${C}/customers/${id}/export`),
  erase: (id: string, reason: string) =>
    request<unknown>(`${C}/customers/${id}/erasure`, { method: 'POST', body: { reason, request_id: newIdempotencyKey() } }),
  archive: (id: string, ifMatch: string | number) => request<Customer>(`${C}/customers/${id}/archive`, { method: 'POST', ifMatch }),
  restore: (id: string, ifMatch: string | number) => request<Customer>(`${C}/customers/${id}/restore`, { method: 'POST', ifMatch }),
  customFields: () => get<FieldDefinition[]>(`${C}/custom-fields`),
  putCustomField: (key: string, body: Omit<FieldDefinition, 'key'>) =>
    request<FieldDefinition>(`${C}/custom-fields/${encodeURIComponent(key)}`, { method: 'PUT', body }),
  deleteCustomField: (key: string) => request<void>(`${C}/custom-fields/${encodeURIComponent(key)}`, { method: 'DELETE' }),
};

export const sales = {
  pipelines: () => get<{ items: Pipeline[] }>(`${S}/pipelines`),
  putPipeline: (p: Pipeline) => request<Pipeline>(`${S}/pipelines/${p.id}`, { method: 'PUT', body: { id: p.id, name: p.name, stages: p.stages }, ifMatch: p.version }),
  createPipeline: (p: Omit<Pipeline, 'version'>) => request<Pipeline>(`${S}/pipelines`, { method: 'POST', body: p }),
  deals: (q: Query) => get<Paged<Deal>>(`${S}/deals`, q),
  deal: (id: string) => request<Deal>(`${S}/deals/${id}`),
  createDeal: (body: Record<string, unknown>, idempotencyKey: string) =>
    request<Deal>(`${S}/deals`, { method: 'POST', body, idempotencyKey }),
  board: (pipelineId: string) => get<Board>(`${S}/deals/board`, { pipeline_id: pipelineId }),
  moveStage: (id: string, stage: string, ifMatch: string | number, reason?: string) =>
    request<Deal>(`${S}/deals/${id}/stage`, { method: 'POST', body: { stage, reason: reason ?? null }, ifMatch }),
  patchDeal: (id: string, body: Partial<Deal>, ifMatch: string | number) =>
    request<Deal>(`${S}/deals/${id}`, { method: 'PATCH', body, ifMatch }),
  leads: (q: Query) => get<Paged<Lead>>(`${S}/leads`, q),
  assignLead: (id: string, body: { owner_id?: string | null; team?: string | null }, ifMatch: string | number) =>
    request<Lead>(`${S}/leads/${id}/assign`, { method: 'POST', body, ifMatch }),
  convertLead: (id: string, ifMatch: string | number) =>
    request<LeadConversion>(`${S}/leads/${id}/convert`, { method: 'POST', body: { create_deal: true, deal: {} }, ifMatch }),
  disqualifyLead: (id: string, reason: string, ifMatch: string | number) =>
    request<Lead>(`${S}/leads/${id}/disqualify`, { method: 'POST', body: { reason }, ifMatch }),
  importLeads: (file: File) => {
    const form = new FormData();
    form.append('file', file);
    return request<LeadImportResult>(`${S}/leads/import`, { method: 'POST', raw: form, idempotencyKey: newIdempotencyKey() });
  },
  followUps: (ownerId?: string) => get<{ items: FollowUp[] }>(`${S}/follow-ups`, { owner_id: ownerId, limit: 20 }),
  funnel: (pipelineId?: string) => get<Funnel>(`${S}/analytics/funnel`, { pipeline_id: pipelineId }),
  forecast: (pipelineId?: string) => get<Forecast>(`${S}/analytics/forecast`, { pipeline_id: pipelineId }),
  assignmentRules: () => request<AssignmentRules>(`${S}/assignment-rules`),
  putAssignmentRules: (body: Omit<AssignmentRules, 'version'>, ifMatch: string | number) =>
    request<AssignmentRules>(`${S}/assignment-rules`, { method: 'PUT', body, ifMatch }),
};

/** POST /leads/{id}/convert: the lead, the deal it opened and the company it linked or created. */
export interface LeadConversion extends Lead {
  deal: Deal | null;
  company: { id: string; linked: 'existing' | 'created' } | null;
}

export interface AssignmentRules {
  rules: { id: string; name: string; match: { regions?: string[]; industries?: string[]; sources?: string[] }; owner_id: string | null; team: string | null; members: string[] }[];
  fallback_owner_id: string | null;
  fallback_team: string | null;
  version: number;
}

export interface FunnelStage {
  stage: string;
  name: string;
  kind: string;
  probability: number;
  reached: { count: number; amount: Record<string, string> };
  current: { count: number; amount: Record<string, string> };
  conversion_to_next?: number | null;
}
export interface Funnel {
  stages: FunnelStage[];
  won: { count: number };
  lost: { count: number };
  open: { count: number };
  win_rate: number | null;
  avg_sales_cycle_days: number | null;
}
export interface Forecast {
  months: { month: string; currency: string; open_count: number; open_amount: string; weighted_amount: string; won_count: number; won_amount: string }[];
  totals: Record<string, { open_amount: string; weighted_amount: string; won_amount: string }>;
}

export interface MetricBlock {
  tickets: number;
  first_response: { count: number; p50_s: number | null; p90_s: number | null };
  resolution: { count: number; p50_s: number | null; p90_s: number | null };
  sla: { tickets: number; breached: number; breach_rate: number | null };
  backlog: Record<string, number>;
  csat: { count: number; average: number | null };
}
export interface TicketMetrics {
  overall: MetricBlock;
  by_group: Record<string, MetricBlock>;
  by_agent: Record<string, MetricBlock>;
  by_period: Record<string, MetricBlock>;
}

export interface SlaPolicy {
  id: string;
  name: string;
  position: number;
  active: boolean;
  calendar: { kind: string; timezone: string; hours?: Record<string, { start: string; end: string }[]>; holidays?: string[] };
  warning_share: number | null;
  pause_statuses: string[];
  targets: { priority: string; tier: string | null; first_response_s: number; resolution_s: number }[];
  version: number;
}

export const serviceDesk = {
  tickets: (q: Query) => get<Paged<Ticket>>(`${D}/tickets`, q),
  ticket: (id: string) => request<Ticket>(`${D}/tickets/${id}`),
  createTicket: (body: Record<string, unknown>, idempotencyKey: string) =>
    request<Ticket>(`${D}/tickets`, { method: 'POST', body, idempotencyKey }),
  patch: (id: string, body: Partial<Ticket>, ifMatch: string | number) =>
    request<Ticket>(`${D}/tickets/${id}`, { method: 'PATCH', body, ifMatch }),
  setStatus: (id: string, status: string, ifMatch: string | number) =>
    request<Ticket>(`${D}/tickets/${id}/status`, { method: 'POST', body: { status }, ifMatch }),
  assign: (id: string, body: { group?: string | null; assignee_id?: string | null }, ifMatch: string | number) =>
    request<Ticket>(`${D}/tickets/${id}/assignment`, { method: 'POST', body, ifMatch }),
  comments: (id: string) => get<Comment[] | { items: Comment[] }>(`${D}/tickets/${id}/comments`),
  addComment: (id: string, body: string, isPublic: boolean, ifMatch: string | number) =>
    request<unknown>(`${D}/tickets/${id}/comments`, { method: 'POST', body: { body, public: isPublic, author: 'agent' }, ifMatch }),
  slaPolicies: () => get<{ items: SlaPolicy[] }>(`${D}/sla-policies`),
  createSlaPolicy: (body: Omit<SlaPolicy, 'id' | 'version'>) => request<SlaPolicy>(`${D}/sla-policies`, { method: 'POST', body }),
  slaPolicy: (id: string) => request<SlaPolicy>(`${D}/sla-policies/${encodeURIComponent(id)}`),
  /** PUT takes the editable part only (PolicyRules); open tickets keep their SLA. */
  putSlaPolicy: (id: string, body: Omit<SlaPolicy, 'id' | 'version'>, ifMatch: string | number) =>
    request<SlaPolicy>(`${D}/sla-policies/${encodeURIComponent(id)}`, { method: 'PUT', body, ifMatch }),
  groups: () => get<{ items: { id: string; members: string[] }[] }>(`${D}/groups`),
  metrics: (q: Query = {}) => get<TicketMetrics>(`${D}/ticket-metrics`, q),
};

export interface NotificationRule {
  id: string;
  name: string;
  event_type: string;
  recipients: { kind: string; value: string | null }[];
  channels: string[];
  priority: string;
  enabled: boolean;
  version: number;
}
export interface Endpoint {
  id: string;
  name: string;
  kind: string;
  url: string;
  enabled: boolean;
  version: number;
}
export interface Delivery {
  id: string;
  event_id?: string;
  event_type?: string;
  recipient?: string;
  channel: string;
  status: string;
  attempts?: number;
  error?: string | null;
  created_at?: string;
  updated_at?: string;
  [k: string]: unknown;
}

export const notificationsApi = {
  rules: () => get<NotificationRule[]>(`${N}/rules`),
  putRule: (r: NotificationRule) => {
    const { id, version, ...spec } = r;
    return request<NotificationRule>(`${N}/rules/${id}`, { method: 'PUT', body: spec, ifMatch: version });
  },
  endpoints: () => get<Endpoint[]>(`${N}/endpoints`),
  createEndpoint: (body: Omit<Endpoint, 'id' | 'version'>) => request<Endpoint>(`${N}/endpoints`, { method: 'POST', body }),
  deleteEndpoint: (e: Endpoint) => request<void>(`${N}/endpoints/${e.id}`, { method: 'DELETE', ifMatch: e.version }),
  deliveries: (q: Query = {}) => get<Paged<Delivery>>(`${N}/deliveries`, q),
};

/** Insights: live, exact aggregates and sales figures (per currency), filtered to what the caller may see. */
export type InsightsFilters = { pipeline_id?: string; owner?: string; team?: string; period?: string };
export const insights = {
  pipeline: (q: InsightsFilters = {}) => get<InsightsPipeline>(`${I}/aggregates/pipeline`, q),
  sales: (q: InsightsFilters = {}) => get<InsightsSales>(`${I}/analytics/sales`, q),
  forecast: (q: InsightsFilters & { period: string }) => get<InsightsForecast>(`${I}/analytics/forecast`, q),
  backtest: (q: InsightsFilters & { periods?: number } = {}) => get<InsightsBacktest>(`${I}/analytics/forecast/backtest`, q),
  customer: (id: string) => get<CustomerInsights>(`${I}/customers/${encodeURIComponent(id)}/insights`),
  service: (q: { period?: string } = {}) => get<InsightsService>(`${I}/analytics/service`, q),
  cohorts: () => get<InsightsCohorts>(`${I}/analytics/cohorts`),
};
