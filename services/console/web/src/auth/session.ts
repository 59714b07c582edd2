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
