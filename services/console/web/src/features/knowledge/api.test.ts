import { describe, expect, it } from 'vitest';
import { insertAt } from './api';

describe('insertAt', () => {
  it('puts text into an empty draft as it is', () => {
    expect(insertAt('', 'Hello', null)).toBe('Hello');
  });
  it('appends on a new line when there is no caret', () => {
    expect(insertAt('Thanks.', 'Link: x', null)).toBe('Thanks.\nLink: x');
  });
  it('inserts at the caret on its own line', () => {
    expect(insertAt('Hi,\nBye', 'Body', 4)).toBe('Hi,\nBody\nBye');
    expect(insertAt('ab', 'X', 1)).toBe('a\nX\nb');
  });
});
