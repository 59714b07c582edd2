// Shapes of the services' responses (checked against each service's /openapi.json).

export type Money = string; // decimals come as strings: "12000.00"

export interface Me {
  sub: string;
  name: string;
  email: string;
  roles: string[];
  department: string | null;
  teams: string[];
  locale: string;
  csrf_token: string;
}

export interface DevUser {
  sub: string;
  name: string;
  email: string;
  roles: string[];
  department: string | null;
  teams: string[];
  locale: string;
  title: string;
}

export interface AuthConfig {
  mode: 'development' | 'oidc';
  users?: DevUser[];
}

export interface Customer {
  id: string;
  kind: 'company' | 'person';
  display_name: string | null;
  first_name: string | null;
  last_name: string | null;
  company_id: string | null;
  company_name: string | null;
  emails: string[];
  phones: string[];
  address: Record<string, string | null> | null;
  region: string | null;
  industry: string | null;
  owner_id: string | null;
  tier: string | null;
  segment: string | null;
  lifecycle_stage: string | null;
  consent: Record<string, { granted?: boolean; at?: string; source?: string } | boolean | null>;
  tags: string[];
  custom_fields: Record<string, unknown>;
  archived: boolean;
  version: number;
  created_at: string;
  updated_at: string;
  merged_into: string | null;
  merged_ids: string[];
}

export interface CustomerPage {
  items: Customer[];
  next_cursor: string | null;
}

export interface TimelineItem {
  event_id: string;
  time: string;
  type: string;
  summary: string;
  actor: string | null;
  source: string;
  subject: string;
  /** The event's data (changed_fields, from_stage/to_stage, snapshot, ...): not sent by contacts yet; used when present. */
  data?: Record<string, unknown>;
}

export interface HistoryEntry {
  version: number;
  at: string;
  actor: string | null;
  actor_id: string | null;
  department: string | null;
  type: string;
  origin: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
  merged_ids: string[] | null;
  merged_into: string | null;
  reason: string | null;
}

export interface View360 {
  customer: Customer;
  deals: {
    open_count: number;
    pipeline_value: Record<string, Money>;
    weighted_value: Record<string, Money>;
    won_count: number;
    won_value: Record<string, Money>;
  };
  tickets: {
    open_count: number;
    open_by_priority: Record<string, number>;
    sla_breaches: { open_tickets_breached: number; total: number };
  };
  last_activity_at: string | null;
}

export interface DuplicateCandidate {
  customer_id: string;
  display_name: string;
  kind: string;
  score: number;
  reasons: { code: string; detail?: string; score?: number }[];
}

export interface FieldDefinition {
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'enum';
  options: string[];
  description: string | null;
}

export interface Stage {
  id: string;
  name: string;
  probability: number;
  kind: 'open' | 'won' | 'lost';
}

export interface Pipeline {
  id: string;
  name: string;
  stages: Stage[];
  version: number;
}

export interface Deal {
  id: string;
  customer_id: string;
  name: string;
  pipeline_id: string;
  stage: string;
  stage_probability: number;
  status: 'open' | 'won' | 'lost';
  amount: Money;
  currency: string;
  expected_close_date: string | null;
  owner_id: string | null;
  team: string | null;
  owner_inactive?: boolean;
  version: number;
  close_reason: string | null;
  updated_at: string;
  customer?: { display_name: string | null } | null;
}

export interface Paged<T> {
  items: T[];
  total?: number;
  limit?: number;
  offset?: number;
}

export interface BoardColumn {
  stage: string;
  name: string;
  probability: number;
  count: number;
  amount_sum: Money;
  weighted_sum: Money;
  currency: string;
}

export interface Board {
  pipeline_id: string;
  stages: BoardColumn[];
}

export interface Lead {
  id: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  email: string | null;
  phone: string | null;
  source: string;
  score: number;
  status: string;
  owner_id: string | null;
  owner_inactive?: boolean;
  team: string | null;
  region: string | null;
  industry: string | null;
  created_at: string;
  version: number;
  customer_id: string | null;
  deal_id: string | null;
  disqualify_reason: string | null;
}

export interface LeadImportResult {
  imported: number;
  already_imported: number;
  failed: number;
  created: { row: number; id: string }[];
  existing: { row: number; id: string }[];
  errors: { row: number; errors: { loc: string[]; msg: string; type: string }[] }[];
}

/** A reminder that a deal or lead has been idle (sales' GET /follow-ups). */
export interface FollowUp {
  id: string;
  kind: 'deal' | 'lead';
  subject_id: string;
  owner_id: string | null;
  team: string | null;
  idle_since: string;
  idle_days: number;
  created_at: string;
  done: boolean;
}

export interface SlaRecord {
  name?: string;
  kind?: string;
  due_at?: string | null;
  breached?: boolean;
  [k: string]: unknown;
}

export interface Ticket {
  id: string;
  customer_id: string;
  subject: string;
  description: string;
  channel: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  status: 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed';
  assignee_id: string | null;
  group: string | null;
  tags: string[];
  first_response_at: string | null;
  solved_at: string | null;
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  sla_breaches: string[];
  comment_count: number;
  created_at: string;
  updated_at: string;
  version: number;
  csat: { rating: number; at: string; comment?: string | null } | null;
  sla: { policy_name: string; warning_share: number | null; first_response_s: number; resolution_s: number } | null;
  customer?: { display_name?: string | null; state?: string } | null;
}

export interface Comment {
  id: string;
  body: string;
  public: boolean;
  author_id: string;
  author_kind: string;
  created_at: string;
}

export interface NotificationItem {
  id: string;
  type: string;
  title: string;
  customer_id: string | null;
  record_id: string | null;
  time: string;
  read: boolean;
}

export interface SavedView {
  id: string;
  name: string;
  screen: string;
  filters: Record<string, string>;
  columns: string[];
  sort: string;
}

export interface LiveChange {
  topic: 'customer' | 'deal' | 'ticket' | 'lead';
  type: string;
  id: string;
  customer_id?: string | null;
  version?: number;
  actor?: { id?: string; department?: string | null; name?: string | null } | null;
  time: string;
}

/** insights GET /aggregates/pipeline: per stage, status and currency (amounts as decimal strings). */
export interface InsightsPipeline {
  pipeline_id: string | null; owner: string | null; team: string | null; period: string | null;
  stages: { stage: string; status: 'open' | 'won' | 'lost'; currency: string; count: number; amount: string; weighted: string }[];
}

/** insights GET /analytics/sales. */
export interface InsightsSales {
  won_count: number; lost_count: number; win_rate: number | null; average_cycle_days: number | null;
  by_currency: { currency: string; won_amount: string; average_deal_size: string | null; open_count: number; velocity_per_day: string | null }[];
  stages: { stage: string; exits: number; average_days_in_stage: number | null; to: { stage: string; count: number; share: number | null }[] }[];
}

/** insights GET /analytics/forecast: per currency, by forecast category, against the matching targets. */
export interface InsightsForecast {
  period: string;
  by_currency: {
    currency: string; won: string;
    categories: { pipeline: string; best_case: string; commit: string; closed: string; omitted: string };
    commit: string; best_case: string; weighted: string; historical: string;
    target: string | null; attainment: number | null;
  }[];
  stage_win_rates: { pipeline_id: string; stage: string; deals: number; won: number; rate: number | null }[];
}

/** insights GET /customers/{id}/insights: value and risk of one customer. */
export interface CustomerInsights {
  customer_id: string; won_deals: number; won_amount: Record<string, string>; first_won_month: string | null;
  rfm: { recency: number; frequency: number; monetary: number; days_since_last_win: number } | null;
  segment: string | null;
  clv: { currency: string; historical: string; predicted: string; model: string } | null;
  churn_risk: { score: number; reasons: { signal: string; weight: number; detail: string }[] };
  open_tickets: number;
  /** Quintiles over the customer base (a periodic job's cut points); null before its first round or without a win. */
  rfm_quantiles: { recency: number; frequency: number; monetary: number; segment: string; customers: number; computed_at: string } | null;
}

/** insights GET /analytics/cohorts: customers by first-won month, retention and revenue per month offset. */
export interface InsightsCohorts {
  cohorts: {
    cohort: string; customers: number;
    months: { offset: number; customers: number; retention: number; deals: number; revenue: Record<string, string> }[];
  }[];
}

/** insights GET /analytics/forecast/backtest: past months, both forecasts against what was won. */
export interface InsightsBacktest {
  periods: {
    period: string; currency: string; deals: number; actual: string; weighted: string; historical: string;
    weighted_error: number | null; historical_error: number | null;
  }[];
  weighted_mean_abs_error: number | null; historical_mean_abs_error: number | null;
}

export interface InsightsServiceRow {
  tickets: number; first_response_avg_h: number | null; resolution_avg_h: number | null;
  sla_first_response: number | null; sla_resolution: number | null; backlog: number; backlog_avg_age_days: number | null;
}

/** insights GET /analytics/service. */
export interface InsightsService {
  overall: InsightsServiceRow;
  by_priority: Record<string, InsightsServiceRow>;
  by_agent: (InsightsServiceRow & { agent: string; csat_ratings: number; csat_average: number | null })[];
  csat_by_month: { period: string; ratings: number; average: number | null }[];
}
