import { describe, expect, it } from 'vitest';
import { formatDuration, formatMoney, formatMoneyMap, formatRelative } from './format';

describe('format', () => {
  it('formats money per locale and currency', () => {
    expect(formatMoney('12000.00', 'EUR', 'en')).toBe('€12,000');
    expect(formatMoney('12000.00', 'CNY', 'zh-CN')).toBe('¥12,000');
    expect(formatMoney(null, 'EUR', 'en')).toBe('—');
    expect(formatMoneyMap({ EUR: '5', USD: '7' }, 'en')).toBe('€5 · $7');
  });
  it('says relative times in the locale', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(formatRelative('2026-12-02T09:57:00Z', 'en', now)).toBe('3 minutes ago');
    expect(formatRelative('2026-12-02T09:57:00Z', 'zh-CN', now)).toBe('3分钟前');
  });
  it('writes countdowns compactly', () => {
    expect(formatDuration(3900)).toBe('1h 05m');
    expect(formatDuration(-720)).toBe('-12m');
    expect(formatDuration(2 * 86400 + 3 * 3600)).toBe('2d 3h');
  });
});
