import type { Customer } from '../../api/types';
import { customerName } from '../../lib/names';

export interface ColumnDef {
  key: string;
  width: string;
  value: (c: Customer) => string;
}

export const COLUMNS: ColumnDef[] = [
  { key: 'name', width: 'minmax(180px, 2fr)', value: (c) => customerName(c) },
  { key: 'kind', width: '100px', value: (c) => c.kind },
  { key: 'company', width: 'minmax(140px, 1.5fr)', value: (c) => (c.kind === 'person' ? c.company_name ?? '' : '') },
  { key: 'email', width: 'minmax(180px, 2fr)', value: (c) => c.emails[0] ?? '' },
  { key: 'phone', width: '150px', value: (c) => c.phones[0] ?? '' },
  { key: 'lifecycle_stage', width: '120px', value: (c) => c.lifecycle_stage ?? '' },
  { key: 'owner', width: '110px', value: (c) => c.owner_id ?? '' },
  { key: 'region', width: '100px', value: (c) => c.region ?? '' },
  { key: 'industry', width: '130px', value: (c) => c.industry ?? '' },
  { key: 'tags', width: 'minmax(120px, 1fr)', value: (c) => c.tags.join(', ') },
  { key: 'updated_at', width: '170px', value: (c) => c.updated_at },
];

export const DEFAULT_COLUMNS = ['name', 'kind', 'email', 'phone', 'lifecycle_stage', 'owner', 'region', 'tags', 'updated_at'];

export type SortKey = `${string}:${'asc' | 'desc'}`;

/** Server order is by last update; any other column sorts the loaded rows here. */
export function sortCustomers(rows: Customer[], sort: string): Customer[] {
  const [key, dir] = sort.split(':') as [string, string];
  if (key === 'updated_at') return rows;
  const col = COLUMNS.find((c) => c.key === key);
  if (!col) return rows;
  const sign = dir === 'desc' ? -1 : 1;
  const coll = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  return [...rows].sort((a, b) => sign * coll.compare(col.value(a), col.value(b)));
}
