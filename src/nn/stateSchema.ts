// The header of a training-state file, checked before anything is built from
// it. The checksum catches accidental damage; this catches a header that is
// well-formed JSON but not a description xnorkit can use (a file written by
// other software, edited by hand, or crafted): shapes that are not arrays of
// sizes, null entries, unknown paddings, absurd layer sizes, optimizer slots
// that are not a list, arrays that overlap in the data section. Each problem
// is a ModelFormatError naming the field, instead of a TypeError deep in a
// layer constructor or, worse, a model that loads the wrong numbers.
import { ModelFormatError } from '../errors.js';
import type { ArrayRef } from './stateContainer.js';

/** Largest size of one axis (units, filters, image side, kernel side) a file may declare. */
export const MAX_DIM = 1 << 16;
/** Largest element count of one variable a file may declare. */
export const MAX_VARIABLE_SIZE = 1 << 28;

type Obj = Record<string, unknown>;

const fail = (path: string, msg: string): never => {
  throw new ModelFormatError(`training-state header: ${path} ${msg}`);
};
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, `must be an object, got ${show(v)}`);
  return v as Obj;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `must be an array, got ${show(v)}`);
  return v as unknown[];
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256) fail(path, `must be a non-empty string, got ${show(v)}`);
  return v as string;
}
function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `must be an integer in ${min}..${max}, got ${show(v)}`);
  return v as number;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be a finite number, got ${show(v)}`);
  return v as number;
}
function optional<T>(o: Obj, key: string, path: string, check: (v: unknown, p: string) => T): T | undefined {
  return o[key] === undefined ? undefined : check(o[key], `${path}.${key}`);
}
/** A size given as one integer or as [h, w]. */
function size2(v: unknown, path: string): void {
  if (Array.isArray(v)) {
    if (v.length !== 2) fail(path, `must be an integer or a pair, got ${show(v)}`);
    v.forEach((x, i) => int(x, `${path}[${i}]`, 1, MAX_DIM));
  } else int(v, path, 1, MAX_DIM);
}

const PADDINGS = new Set(['valid', 'same']);

function checkLayer(v: unknown, path: string): void {
  const l = obj(v, path);
  str(l.className, `${path}.className`);
  const c = obj(l.config ?? {}, `${path}.config`);
  const p = `${path}.config`;
  optional(c, 'name', p, str);
  optional(c, 'units', p, (x, q) => int(x, q, 1, MAX_DIM));
  optional(c, 'filters', p, (x, q) => int(x, q, 1, MAX_DIM));
  optional(c, 'depthMultiplier', p, (x, q) => int(x, q, 1, MAX_DIM));
  for (const k of ['kernelSize', 'strides', 'poolSize']) if (c[k] !== undefined && c[k] !== null) size2(c[k], `${p}.${k}`);
  if (c.padding !== undefined && !PADDINGS.has(c.padding as string)) fail(`${p}.padding`, `must be "valid" or "same", got ${show(c.padding)}`);
  optional(c, 'rate', p, (x, q) => {
    const r = num(x, q);
    if (r < 0 || r >= 1) fail(q, `must be in [0, 1), got ${r}`);
  });
  optional(c, 'momentum', p, num);
  optional(c, 'epsilon', p, num);
  for (const k of ['useBias', 'center', 'scale']) {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') fail(`${p}.${k}`, `must be true or false, got ${show(c[k])}`);
  }
  for (const k of ['activation']) if (c[k] !== undefined && c[k] !== null && typeof c[k] !== 'string') fail(`${p}.${k}`, `must be a name, got ${show(c[k])}`);
}

function checkRef(o: Obj, path: string, refs: { ref: ArrayRef; what: string }[]): void {
  const offset = int(o.offset, `${path}.offset`, 0, Number.MAX_SAFE_INTEGER);
  const length = int(o.length, `${path}.length`, 0, MAX_VARIABLE_SIZE);
  if (offset % 4 !== 0) fail(`${path}.offset`, `must be a multiple of 4, got ${offset}`);
  refs.push({ ref: { offset, length }, what: path });
}

function checkOptimizer(v: unknown, path: string, refs: { ref: ArrayRef; what: string }[], depth: number): void {
  if (depth > 4) fail(path, 'nests optimizers too deeply');
  const o = obj(v, path);
  const className = str(o.className, `${path}.className`);
  obj(o.config ?? {}, `${path}.config`);
  const iterations = int(o.iterations, `${path}.iterations`, 0, Number.MAX_SAFE_INTEGER);
  const slots = arr(o.slots, `${path}.slots`);
  slots.forEach((s, i) => {
    const so = obj(s, `${path}.slots[${i}]`);
    str(so.variable, `${path}.slots[${i}].variable`);
    str(so.slot, `${path}.slots[${i}].slot`);
    checkRef(so, `${path}.slots[${i}]`, refs);
  });
  // Adam keeps two moments per variable from its first step on: a stepped Adam without them would restart cold.
  if (className === 'Adam' && iterations > 0 && slots.length === 0) {
    fail(`${path}.slots`, `is empty although Adam has taken ${iterations} steps (its moment estimates are missing)`);
  }
  if (o.cases !== undefined) {
    arr(o.cases, `${path}.cases`).forEach((c, i) => {
      const co = obj(c, `${path}.cases[${i}]`);
      const pr = obj(co.predicate, `${path}.cases[${i}].predicate`);
      if (pr.kind === 'named') str(pr.name, `${path}.cases[${i}].predicate.name`);
      else if (pr.kind === 'variables') arr(pr.names, `${path}.cases[${i}].predicate.names`).forEach((n, j) => str(n, `${path}.cases[${i}].predicate.names[${j}]`));
      else fail(`${path}.cases[${i}].predicate.kind`, `must be "named" or "variables", got ${show(pr.kind)}`);
      checkOptimizer(co.optimizer, `${path}.cases[${i}].optimizer`, refs, depth + 1);
    });
  }
  if (o.defaultOptimizer !== undefined && o.defaultOptimizer !== null) checkOptimizer(o.defaultOptimizer, `${path}.defaultOptimizer`, refs, depth + 1);
}

/**
 * Throws a ModelFormatError unless `header` is a training-state header this
 * xnorkit can load, with every array inside a data section of `dataBytes`
 * bytes and no two arrays overlapping.
 */
export function validateStateHeader(header: unknown, dataBytes: number): void {
  const h = obj(header, 'the header');
  if (h.format !== 'xnorkit-training-state') fail('format', `must be "xnorkit-training-state", got ${show(h.format)}`);
  const m = obj(h.model, 'model');
  if (m.className !== 'Sequential') fail('model.className', `must be "Sequential", got ${show(m.className)}`);
  if (m.name !== undefined) str(m.name, 'model.name');
  if (m.inputShape !== null) {
    const s = arr(m.inputShape, 'model.inputShape');
    if (s.length < 1 || s.length > 3) fail('model.inputShape', `must have 1 to 3 sizes, got ${show(s)}`);
    s.forEach((d, i) => int(d, `model.inputShape[${i}]`, 1, MAX_DIM));
  }
  const layers = arr(m.layers, 'model.layers');
  if (layers.length === 0) fail('model.layers', 'is empty (a model needs at least one layer)');
  if (layers.length > 10000) fail('model.layers', `has ${layers.length} layers`);
  layers.forEach((l, i) => checkLayer(l, `model.layers[${i}]`));

  const refs: { ref: ArrayRef; what: string }[] = [];
  const names = new Set<string>();
  arr(h.variables, 'variables').forEach((v, i) => {
    const p = `variables[${i}]`;
    const o = obj(v, p);
    const name = str(o.name, `${p}.name`);
    if (names.has(name)) fail(`${p}.name`, `"${name}" appears twice`);
    names.add(name);
    const shape = arr(o.shape, `${p}.shape`);
    let n = 1;
    shape.forEach((d, j) => { n *= int(d, `${p}.shape[${j}]`, 0, MAX_VARIABLE_SIZE); });
    if (n > MAX_VARIABLE_SIZE) fail(`${p}.shape`, `has ${n} elements`);
    if (typeof o.trainable !== 'boolean') fail(`${p}.trainable`, `must be true or false, got ${show(o.trainable)}`);
    int(o.precision, `${p}.precision`, 1, 32);
    checkRef(o, p, refs);
  });
  if (h.optimizer !== null && h.optimizer !== undefined) checkOptimizer(h.optimizer, 'optimizer', refs, 0);
  if (h.epoch !== undefined) int(h.epoch, 'epoch', 0, Number.MAX_SAFE_INTEGER);
  if (h.extra !== undefined) obj(h.extra, 'extra');

  // Every array inside the data section, none sharing bytes with another.
  refs.sort((a, b) => a.ref.offset - b.ref.offset);
  let end = 0;
  let prev = '';
  for (const { ref, what } of refs) {
    const stop = ref.offset + 4 * ref.length;
    if (stop > dataBytes) fail(what, `points outside the data section (bytes ${ref.offset}..${stop} of ${dataBytes})`);
    if (ref.length > 0 && ref.offset < end) fail(what, `overlaps ${prev} in the data section (offset ${ref.offset})`);
    if (ref.length > 0) { end = stop; prev = what; }
  }
}
