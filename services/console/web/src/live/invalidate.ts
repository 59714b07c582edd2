// Which cached queries a live change notice makes stale. Query keys start with the
// record kind, then its id: ['customer', id], ['deal', id], ['ticket', id], ['lead', id];
// lists are ['customers', ...], ['deals', ...], ['tickets', ...], ['leads', ...].
import type { LiveChange } from '../api/types';

export type QueryKeyPrefix = readonly unknown[];

export function keysToInvalidate(change: LiveChange): QueryKeyPrefix[] {
  const keys: QueryKeyPrefix[] = [];
  const { topic, id, customer_id: customerId } = change;
  switch (topic) {
    case 'customer':
      keys.push(['customer', id], ['customers'], ['palette']);
      break;
    case 'deal':
      keys.push(['deal', id], ['deals'], ['board'], ['analytics'], ['follow-ups']);
      break;
    case 'ticket':
      keys.push(['ticket', id], ['tickets'], ['ticket-metrics']);
      break;
    case 'lead':
      keys.push(['lead', id], ['leads']);
      break;
  }
  // Deals and tickets show on their customer's 360 page (counts, lists, timeline).
  if (customerId && topic !== 'customer') keys.push(['customer', customerId]);
  if (customerId && topic === 'customer' && customerId !== id) keys.push(['customer', customerId]);
  keys.push(['home']);
  return keys;
}

export function parseChange(data: string): LiveChange | null {
  try {
    const v = JSON.parse(data) as Partial<LiveChange>;
    if (!v || typeof v !== 'object' || typeof v.id !== 'string' || typeof v.topic !== 'string') return null;
    if (!['customer', 'deal', 'ticket', 'lead'].includes(v.topic)) return null;
    return v as LiveChange;
  } catch {
    return null;
  }
}
