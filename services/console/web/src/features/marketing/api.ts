// Marketing's API through the BFF (/api/marketing/...), paths as in the service's OpenAPI.
import { get, request } from '../../api/client';
import type { Scoring, ScoreRule } from './scoring';

const M = '/api/marketing';

export type Rule = { field: string; op: string; value?: string | number | boolean | string[] | null };
export type Group = { match: 'all' | 'any'; negate?: boolean; conditions: (Rule | Group)[] };
export type Segment = { id: string; name: string; description?: string; conditions: Group; version: number };
export type Preview = { count: number; of: number; sample_ids: string[] };
export type Campaign = {
  id: string; name: string; segment_id: string; purpose: string; subject: string; status: string;
  send_at?: string; outcomes?: Record<string, number>;
};
export type ConsentEntry = {
  id: string; purpose: string; channel: string; action: string; legal_basis: string; source: string; proof?: string;
  at: string; actor: string;
};

export type WebForm = {
  id: string; name: string; purpose: string; consent_text: string; source: string; created_at: string; embed: string;
};
export type FormIn = { name: string; purpose: string; consent_text: string; source: string };

export const marketing = {
  segments: () => get<{ items: Segment[] }>(`${M}/segments`),
  preview: (conditions: Group) => request<Preview>(`${M}/segments/preview`, { method: 'POST', body: { conditions } }),
  saveSegment: (body: { name: string; conditions: Group }) => request<Segment>(`${M}/segments`, { method: 'POST', body }),
  members: (id: string) => get<{ count: number; customer_ids: string[] }>(`${M}/segments/${encodeURIComponent(id)}/members`),
  campaigns: () => get<{ items: Campaign[] }>(`${M}/campaigns`),
  createCampaign: (body: { name: string; segment_id: string; purpose: string; subject: string; text: string }) =>
    request<Campaign>(`${M}/campaigns`, { method: 'POST', body }),
  sendNow: (id: string) => request<Campaign>(`${M}/campaigns/${encodeURIComponent(id)}/schedule`, { method: 'POST', body: {} }),
  schedule: (id: string, sendAt: string) =>
    request<Campaign>(`${M}/campaigns/${encodeURIComponent(id)}/schedule`, { method: 'POST', body: { send_at: sendAt } }),
  scoring: () => get<Scoring>(`${M}/scoring`),
  saveScoring: (body: { rules: ScoreRule[]; threshold: number; half_life_days: number | null }) =>
    request<Scoring>(`${M}/scoring`, { method: 'PUT', body }),
  createForm: (body: FormIn) => request<WebForm>(`${M}/forms`, { method: 'POST', body }),
  consents: (customerId: string) =>
    get<{ entries: ConsentEntry[]; current: { objected: boolean } }>(`${M}/consents/${encodeURIComponent(customerId)}`),
};
