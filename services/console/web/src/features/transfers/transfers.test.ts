import { describe, expect, it } from 'vitest';
import { progress, type TransferJob } from './transfersApi';
import { transfersEn, transfersZhCN } from './transfersStrings';

describe('transfers', () => {
  it('has every string in both languages, translated', () => {
    expect(Object.keys(transfersZhCN).sort()).toEqual(Object.keys(transfersEn).sort());
    for (const [key, value] of Object.entries(transfersZhCN)) expect(value, key).not.toBe(transfersEn[key as keyof typeof transfersEn]);
  });
  it('shows progress', () => {
    const job = { id: 'j', type: 'import', status: 'running', total: 200, done: 50 } as TransferJob;
    expect(progress(job)).toBe(25);
    expect(progress({ ...job, status: 'done' })).toBe(100);
    expect(progress({ ...job, total: null })).toBe(0);
  });
});
