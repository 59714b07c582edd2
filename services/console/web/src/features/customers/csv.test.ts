import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv';

describe('csv', () => {
  it('quotes separators, quotes and newlines', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
  });
  it('defuses formulas', () => {
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+44 20')).toBe("'+44 20");
  });
  it('writes a header and one line per row', () => {
    const csv = toCsv([{ n: 'Acme', t: ['vip', 'eu'] }], [
      { header: 'Name', value: (r) => r.n },
      { header: 'Tags', value: (r) => r.t },
    ]);
    expect(csv).toBe('Name,Tags\r\nAcme,"vip; eu"\r\n');
  });
});
