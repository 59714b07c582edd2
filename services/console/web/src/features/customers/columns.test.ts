import { describe, expect, it } from 'vitest';
import type { Customer } from '../../api/types';
import { sortCustomers } from './columns';

const c = (id: string, display_name: string, region: string | null): Customer =>
  ({ id, display_name, region, emails: [], phones: [], tags: [] }) as unknown as Customer;

describe('sortCustomers', () => {
  const rows = [c('1', 'beta', 'EMEA'), c('2', 'Alpha', null), c('3', 'gamma', 'APAC')];
  it('sorts by name case-insensitively, both ways', () => {
    expect(sortCustomers(rows, 'name:asc').map((r) => r.id)).toEqual(['2', '1', '3']);
    expect(sortCustomers(rows, 'name:desc').map((r) => r.id)).toEqual(['3', '1', '2']);
  });
  it('keeps server order for last update', () => {
    expect(sortCustomers(rows, 'updated_at:desc')).toBe(rows);
  });
});
