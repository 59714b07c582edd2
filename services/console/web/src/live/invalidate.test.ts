import { describe, expect, it } from 'vitest';
import { keysToInvalidate, parseChange } from './invalidate';

describe('keysToInvalidate', () => {
  it('refreshes a moved deal, the board and its customer', () => {
    const keys = keysToInvalidate({ topic: 'deal', type: 'crm.deal.stage_changed', id: 'd1', customer_id: 'c1', time: '' });
    expect(keys).toContainEqual(['deal', 'd1']);
    expect(keys).toContainEqual(['board']);
    expect(keys).toContainEqual(['customer', 'c1']);
  });
  it('refreshes a changed customer and the customer list', () => {
    const keys = keysToInvalidate({ topic: 'customer', type: 'crm.customer.updated', id: 'c1', customer_id: 'c1', time: '' });
    expect(keys).toContainEqual(['customer', 'c1']);
    expect(keys).toContainEqual(['customers']);
    expect(keys.filter((k) => k[0] === 'customer')).toHaveLength(1);
  });
});

describe('parseChange', () => {
  it('accepts a notice and refuses junk', () => {
    expect(parseChange('{"topic":"ticket","type":"crm.ticket.updated","id":"t","time":"x"}')?.id).toBe('t');
    expect(parseChange('{"topic":"invoice","id":"t"}')).toBeNull();
    expect(parseChange('not json')).toBeNull();
  });
});
