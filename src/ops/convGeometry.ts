// Output size and padding of a sliding-window op, with Keras' rules:
// 'valid' = no padding, out = floor((in - k) / s) + 1;
// 'same'  = out = ceil(in / s), padding split with the extra cell at the
// bottom/right. Shared by conv2d, pooling and the binary kernels.
import { ShapeError, shapeStr, type Shape } from '../tensor/shape.js';

export type Padding = 'valid' | 'same';

export interface WindowGeometry {
  N: number; H: number; W: number; C: number;
  KH: number; KW: number; SH: number; SW: number;
  OH: number; OW: number;
  /** Padding above / left of / below / right of the input. */
  PT: number; PL: number; PB: number; PR: number;
}

export function pair(v: number | readonly [number, number], what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 1)) throw new Error(`${what} must be positive integers, got ${JSON.stringify(v)}`);
  return p;
}

/** `padding` checked: 'valid' or 'same' (a layer option or an op argument). */
export function checkPadding(padding: string | undefined, what: string): Padding {
  const p = padding ?? 'valid';
  if (p !== 'valid' && p !== 'same') throw new Error(`${what}: padding must be "valid" or "same", got "${p}"`);
  return p;
}

/** A positive-integer layer option (filters, depthMultiplier, ...). */
export function positiveInteger(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

function axis(size: number, k: number, s: number, padding: Padding): [number, number, number] {
  if (padding === 'valid') return [Math.max(0, Math.floor((size - k) / s) + 1), 0, 0];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  const before = Math.floor(total / 2);
  return [out, before, total - before];
}

export function windowGeometry(op: string, input: Shape, kernel: [number, number], strides: [number, number],
  padding: Padding): WindowGeometry {
  if (input.length !== 4) throw new ShapeError(`${op}: input must be NHWC (rank 4), got ${shapeStr(input)}`);
  checkPadding(padding, op);
  const [N, H, W, C] = input;
  const [KH, KW] = kernel;
  const [SH, SW] = strides;
  const [OH, PT, PB] = axis(H, KH, SH, padding);
  const [OW, PL, PR] = axis(W, KW, SW, padding);
  if (OH < 1 || OW < 1) {
    throw new ShapeError(`${op}: a ${KH}x${KW} window with '${padding}' padding does not fit input ${shapeStr(input)}`);
  }
  return { N, H, W, C, KH, KW, SH, SW, OH, OW, PT, PL, PB, PR };
}
