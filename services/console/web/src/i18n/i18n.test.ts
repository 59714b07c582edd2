import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-CN';

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('dictionaries', () => {
  it('zh-CN has exactly the English keys', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });
  it('has no empty strings', () => {
    const values = (o: object): string[] => Object.values(o).flatMap((v) => (typeof v === 'object' ? values(v as object) : [v as string]));
    expect(values(en).filter((v) => !v.trim())).toEqual([]);
    expect(values(zhCN).filter((v) => !v.trim())).toEqual([]);
  });
});
