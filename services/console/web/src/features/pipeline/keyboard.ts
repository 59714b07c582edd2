// Keyboard drag between kanban columns: ←/→ jump to the neighbouring column, ↑/↓ move
// within it (dnd-kit's KeyboardSensor calls this for every key while dragging).
import { KeyboardCode, type KeyboardCoordinateGetter } from '@dnd-kit/core';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Pure: the point to move to from `x,y` given the columns' rects (left to right). */
export function nextPoint(code: string, x: number, y: number, columns: Rect[]): { x: number; y: number } | undefined {
  const sorted = [...columns].sort((a, b) => a.left - b.left);
  const centre = (r: Rect) => r.left + r.width / 2;
  if (code === KeyboardCode.Right || code === KeyboardCode.Left) {
    const current = sorted.findIndex((r) => x >= r.left && x <= r.left + r.width);
    let target: Rect | undefined;
    if (current === -1) target = code === KeyboardCode.Right ? sorted.find((r) => centre(r) > x) : [...sorted].reverse().find((r) => centre(r) < x);
    else target = sorted[current + (code === KeyboardCode.Right ? 1 : -1)];
    if (!target) return undefined;
    return { x: centre(target), y: Math.min(Math.max(y, target.top + 20), target.top + target.height - 20) };
  }
  if (code === KeyboardCode.Down) return { x, y: y + 40 };
  if (code === KeyboardCode.Up) return { x, y: y - 40 };
  return undefined;
}

export const columnKeyboardCoordinates: KeyboardCoordinateGetter = (event, { context, currentCoordinates }) => {
  const rects: Rect[] = [];
  context.droppableRects.forEach((r) => rects.push(r));
  const { width = 0, height = 0 } = context.collisionRect ?? {};
  const centre = { x: currentCoordinates.x + width / 2, y: currentCoordinates.y + height / 2 };
  const next = nextPoint(event.code, centre.x, centre.y, rects);
  if (!next) return undefined;
  event.preventDefault();
  return { x: next.x - width / 2, y: next.y - height / 2 };
};
