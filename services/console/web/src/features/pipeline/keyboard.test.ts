import { describe, expect, it } from 'vitest';
import { nextPoint } from './keyboard';

const cols = [
  { left: 0, top: 0, width: 100, height: 500 },
  { left: 110, top: 0, width: 100, height: 500 },
  { left: 220, top: 0, width: 100, height: 500 },
];

describe('nextPoint', () => {
  it('jumps to the centre of the next or previous column', () => {
    expect(nextPoint('ArrowRight', 50, 100, cols)).toEqual({ x: 160, y: 100 });
    expect(nextPoint('ArrowLeft', 160, 100, cols)).toEqual({ x: 50, y: 100 });
  });
  it('stops at the edges', () => {
    expect(nextPoint('ArrowRight', 270, 100, cols)).toBeUndefined();
    expect(nextPoint('ArrowLeft', 50, 100, cols)).toBeUndefined();
  });
  it('moves within a column on up and down', () => {
    expect(nextPoint('ArrowDown', 50, 100, cols)).toEqual({ x: 50, y: 140 });
  });
});
