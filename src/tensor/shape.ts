// Shape helpers whose errors name the problem (which op, which shapes).
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${what} [${shape.join(', ')}] has an invalid dimension ${d}`);
  }
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export { ShapeError } from '../errors.js';
import { ShapeError } from '../errors.js';

export function assertSameShape(op: string, a: Shape, b: Shape): void {
  if (!sameShape(a, b)) throw new ShapeError(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} differ`);
}

export function assertRank(op: string, shape: Shape, rank: number, what = 'input'): void {
  if (shape.length !== rank) {
    throw new ShapeError(`${op}: ${what} must have rank ${rank}, got shape ${shapeStr(shape)}`);
  }
}
