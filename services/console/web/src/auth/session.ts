import { createContext, useContext } from 'react';
import type { Me } from '../api/types';

export const SessionContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside a session');
  return me;
}

const WRITERS: Record<string, string[]> = {
  customer: ['admin', 'sales', 'service', 'marketing'],
  deal: ['admin', 'sales'],
  lead: ['admin', 'sales', 'marketing'],
  ticket: ['admin', 'service'],
  admin: ['admin'],
  salesAdmin: ['admin', 'manager'],
};

/** Whether to show a write control at all. The server enforces the real rule. */
export function can(me: Me, what: keyof typeof WRITERS): boolean {
  if (me.roles.includes('readonly') && !me.roles.includes('admin')) return false;
  return me.roles.some((r) => WRITERS[what]!.includes(r));
}

export function useCan(what: keyof typeof WRITERS): boolean {
  return can(useMe(), what);
}

// Mirrors contacts' UPDATABLE table (crm_contacts/domain/permissions.py) so the profile shows
// only the inputs a role may change; the service still refuses anything else.
const NAMES = ['display_name', 'first_name', 'last_name', 'company_id', 'company_name'];
const CONTACT = ['emails', 'phones', 'address'];
const UPDATABLE: Record<string, string[]> = {
  sales: [...NAMES, ...CONTACT, 'region', 'industry', 'lifecycle_stage', 'tags', 'custom_fields'],
  service: [...NAMES, ...CONTACT, 'tier', 'tags', 'custom_fields'],
  marketing: ['consent', 'tags', 'lifecycle_stage', 'segment', 'custom_fields'],
};

export function customerFieldsEditable(me: Me): Set<string> | 'all' {
  if (me.roles.includes('admin')) return 'all';
  if (me.roles.includes('readonly')) return new Set();
  return new Set(me.roles.flatMap((r) => UPDATABLE[r] ?? []));
}

export function mayChangeCustomerField(me: Me, field: string): boolean {
  const f = customerFieldsEditable(me);
  return f === 'all' || f.has(field);
}

export function mayMergeCustomers(me: Me): boolean {
  return me.roles.includes('admin') || me.roles.includes('sales');
}
