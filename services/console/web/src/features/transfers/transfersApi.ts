// Contacts' import and export (services/contacts/README.md "Import and export") through the BFF.
import { get, request } from '../../api/client';

const C = '/api/contacts';

export interface Upload { file_id: string; format: 'csv' | 'xlsx'; headers: string[]; rows: number; mapping: Record<string, string> }
export interface RowProblem { line: number; errors: { column?: string; msg: string }[] }
export interface RowMatch { line: number; candidates: { id: string; name: string; score: number; reasons: string[] }[] }
export interface TransferJob {
  id: string; type: 'dry_run' | 'import' | 'export'; status: 'queued' | 'running' | 'done' | 'failed';
  total: number | null; done: number; created?: number; updated?: number; unchanged?: number; failed?: number;
  matched?: number; errors?: RowProblem[]; matches?: RowMatch[]; format?: string;
}

export const TARGETS = [
  'display_name', 'first_name', 'last_name', 'company_name', 'email', 'phone', 'tags', 'kind', 'lifecycle_stage',
  'region', 'industry', 'owner_id', 'tier', 'segment', 'address.street', 'address.city', 'address.postal_code',
  'address.state', 'address.country',
];

export const transfers = {
  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file);
    return request<Upload>(`${C}/imports/files`, { method: 'POST', raw: form }).then((r) => r.data);
  },
  dryRun: (file_id: string, mapping: Record<string, string>, kind: string) =>
    request<TransferJob>(`${C}/imports/dry-runs`, { method: 'POST', body: { file_id, mapping, kind } }).then((r) => r.data),
  start: (file_id: string, mapping: Record<string, string>, kind: string) =>
    request<TransferJob>(`${C}/imports`, { method: 'POST', body: { file_id, mapping, kind } }).then((r) => r.data),
  export: (format: 'csv' | 'xlsx', kind?: string) =>
    request<TransferJob>(`${C}/exports`, { method: 'POST', body: { format, kind } }).then((r) => r.data),
  job: (id: string) => get<TransferJob>(`${C}/transfers/${encodeURIComponent(id)}`),
  fileUrl: (id: string) => `${C}/exports/${encodeURIComponent(id)}/file`,
};

/** Share of a job done, 0..100. */
export function progress(job: TransferJob): number {
  if (job.status === 'done') return 100;
  if (!job.total) return 0;
  return Math.min(100, Math.round((job.done / job.total) * 100));
}
