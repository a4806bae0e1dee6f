// What every hardware model shares: it picks layers of a model and attaches
// hooks to them through the layers' public hook points (nn/hooks.ts: input,
// kernel, product, accumulator, output); attach() returns the function
// that removes exactly what it added, so a model can be evaluated clean,
// perturbed, and clean again.
import type { Layer } from '../nn/layer.js';
import type { HookPoint, HookTypes } from '../nn/hooks.js';
import { ProductLayer } from '../nn/productLayer.js';
import { ConfigError } from '../errors.js';

/** What perturbations need of a model: its layers (Sequential and graph models have them). */
export interface LayerContainer {
  readonly layers: readonly Layer[];
}

/**
 * Which layers a perturbation applies to. 'all': every product layer (Dense,
 * Conv2D, DepthwiseConv2D, SeparableConv2D and their quantized forms: the
 * layers that multiply and accumulate on the chip); 'dense' / 'conv': only
 * those (conv: every convolution kind); 'binary': product layers whose
 * kernels are all binarized; or a list of layer names (any layer for output
 * hooks).
 */
export type LayerSelector = 'all' | 'dense' | 'conv' | 'binary' | readonly string[];

export interface Perturbation {
  /** 'noise', 'variation', 'saturation', 'adc', 'multiplier', 'bitflips'. */
  readonly kind: string;
  /** Hooks into the selected layers of `model`; returns the detach function. */
  attach(model: LayerContainer): () => void;
  /** Options as plain JSON (results files, chip records). */
  toJSON(): Record<string, unknown>;
}

/** Precision of the product's kernels (1 = every kernel binary; the widest otherwise). */
export function kernelPrecision(l: ProductLayer): number {
  return Math.max(...l.kernelSlots().map((s) => s.variable.precision ?? 32));
}

/** Precision of the layer's input quantizer, 32 when the input is used as is. */
export function inputPrecision(l: ProductLayer): number {
  return l.inputQuantizer ? l.inputQuantizer.precision : 32;
}

const PICK: Record<string, (l: Layer) => boolean> = {
  all: (l) => l instanceof ProductLayer,
  dense: (l) => l instanceof ProductLayer && l.spec.kind === 'dense',
  conv: (l) => l instanceof ProductLayer && l.spec.kind !== 'dense',
  binary: (l) => l instanceof ProductLayer && kernelPrecision(l) === 1,
};

/** The layers a selector names; product layers only when `needProduct` (wrappers stand for the layer they wrap). */
export function selectLayers(model: LayerContainer, sel: LayerSelector, what: string, needProduct: true): ProductLayer[];
export function selectLayers(model: LayerContainer, sel: LayerSelector, what: string, needProduct: boolean): Layer[];
export function selectLayers(model: LayerContainer, sel: LayerSelector, what: string, needProduct: boolean): Layer[] {
  if (typeof sel === 'string') {
    const f = PICK[sel];
    if (!f) throw new ConfigError(`${what}: layers must be "all", "dense", "conv", "binary" or a list of layer names, got "${sel}"`);
    return model.layers.map((l) => (needProduct ? l.unwrap() : l)).filter((l) => f(l.unwrap()));
  }
  const out: Layer[] = [];
  for (const name of sel) {
    const found = model.layers.find((x) => x.name === name);
    if (!found) throw new ConfigError(`${what}: the model has no layer "${name}" (layers: ${model.layers.map((x) => x.name).join(', ')})`);
    const l = needProduct ? found.unwrap() : found;
    if (needProduct && !(l instanceof ProductLayer)) throw new ConfigError(`${what}: layer "${name}" computes no product (it is a ${l.className})`);
    out.push(l);
  }
  return out;
}

/** Attaches `make(layer)` at `point` of each layer; the returned function removes those hooks again. */
export function hookLayers<P extends HookPoint>(layers: readonly Layer[], point: P, make: (l: Layer) => HookTypes[P]): () => void {
  const detach: (() => void)[] = [];
  try {
    for (const l of layers) detach.push(l.hooks.attach(point, make(l)));
  } catch (e) {
    for (const d of detach.reverse()) d();
    throw e;
  }
  return () => {
    for (const d of detach.reverse()) d();
  };
}

/** Attaches several perturbations; the result detaches them all (in reverse order). */
export function attachAll(model: LayerContainer, perturbations: readonly Perturbation[]): () => void {
  const detach: (() => void)[] = [];
  try {
    for (const p of perturbations) detach.push(p.attach(model));
  } catch (e) {
    for (const d of detach.reverse()) d();
    throw e;
  }
  return () => {
    for (const d of detach.reverse()) d();
  };
}

/** Runs fn with the perturbations attached, detaching them afterwards whatever happens. */
export function withPerturbations<T>(model: LayerContainer, perturbations: readonly Perturbation[], fn: () => T): T {
  const detach = attachAll(model, perturbations);
  try {
    return fn();
  } finally {
    detach();
  }
}

/** withPerturbations for asynchronous work (e.g. fitAsync): detached when the promise settles. */
export async function withPerturbationsAsync<T>(model: LayerContainer, perturbations: readonly Perturbation[], fn: () => Promise<T>): Promise<T> {
  const detach = attachAll(model, perturbations);
  try {
    return await fn();
  } finally {
    detach();
  }
}

export function checkNonNegative(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`${what} must be a non-negative number, got ${v}`);
  return v;
}

export function checkRate(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new ConfigError(`${what} must be a probability in [0, 1], got ${v}`);
  return v;
}
