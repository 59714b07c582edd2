import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../people/directoryApi';
import { hitPath } from './CommandPalette';

const hit = (kind: SearchHit['kind']): SearchHit => ({ kind, id: 'r1', title: 't', subtitle: '', customer_id: 'c9', score: 1 });

describe('search hits open their record', () => {
  it('goes to the customer, the customer of a deal, the ticket, the lead, the people page', () => {
    expect(hitPath(hit('company'))).toBe('/customers/r1');
    expect(hitPath(hit('person'))).toBe('/customers/r1');
    expect(hitPath(hit('deal'))).toBe('/customers/c9');
    expect(hitPath(hit('ticket'))).toBe('/tickets/r1');
    expect(hitPath(hit('lead'))).toBe('/leads?focus=r1');
    expect(hitPath(hit('user'))).toBe('/admin/people');
  });
});
