import type { Customer, Lead } from '../api/types';

export function customerName(c: Pick<Customer, 'display_name' | 'first_name' | 'last_name' | 'company_name' | 'id'>): string {
  return c.display_name || [c.first_name, c.last_name].filter(Boolean).join(' ') || c.company_name || c.id.slice(0, 8);
}

export function leadName(l: Pick<Lead, 'first_name' | 'last_name' | 'email' | 'id'>): string {
  return [l.first_name, l.last_name].filter(Boolean).join(' ') || l.email || l.id.slice(0, 8);
}
