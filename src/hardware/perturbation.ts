// What every hardware model shares: it picks layers of a model and hooks
// transforms into them (src/nn/layer.ts: kernelTransforms,
// accumulatorTransforms, outputTransforms); attach() returns the function
// that removes exactly what it added, so a model can be evaluated clean,
// perturbed, and clean again.
import type { Layer, LayerTransform } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { Conv2D } from '../nn/layers/conv2d.js';

/**
 * Which layers a perturbation applies to. 'all': every layer with a kernel
 * (Dense, Conv2D and their quantized forms: the layers that multiply and
 * accumulate on the chip); 'dense' / 'conv': only those; 'binary': layers
 * whose kernel is binarized; or a list of layer names (any layer for output
 * transforms).
 */
export type LayerSelector = 'all' | 'dense' | 'conv' | 'binary' | readonly string[];

export type KernelLayer = Dense | Conv2D;

export interface Perturbation {
  /** 'noise', 'variation', 'saturation', 'adc', 'multiplier', 'bitflips'. */
  readonly kind: string;
  /** Hooks into the selected layers of `model`; returns the detach function. */
  attach(model: Sequential): () => void;
  /** Options as plain JSON (results files, chip records). */
  toJSON(): Record<string, unknown>;
}

export function isKernelLayer(l: Layer): l is KernelLayer {
  return l instanceof Dense || l instanceof Conv2D;
}

/** Precision of the kernel the forward pass uses (1 = binary weights). */
export function kernelPrecision(l: KernelLayer): number {
  return l.kernel?.precision ?? 32;
}

/** Precision of the layer's input quantizer, 32 when the input is used as is. */
export function inputPrecision(l: Layer): number {
  const q = (l as { inputQuantizer?: { precision: number } | null }).inputQuantizer;
  return q ? q.precision : 32;
}

/** The layer a wrapper (NoisyLayer) stands for, so model-wide perturbations reach wrapped layers too. */
export function unwrap(l: Layer): Layer {
  let x = l;
  for (let y = (x as { inner?: Layer }).inner; y; y = (y as { inner?: Layer }).inner) x = y;
  return x;
}

export function selectLayers(model: Sequential, sel: LayerSelector, what: string, needKernel: boolean): Layer[] {
  if (typeof sel === 'string') {
    const pick: Record<string, (l: Layer) => boolean> = {
      all: isKernelLayer,
      dense: (l) => l instanceof Dense,
      conv: (l) => l instanceof Conv2D,
      binary: (l) => isKernelLayer(l) && kernelPrecision(l) === 1,
    };
    const f = pick[sel];
    if (!f) throw new Error(`${what}: layers must be "all", "dense", "conv", "binary" or a list of layer names, got "${sel}"`);
    return model.layers.map((l) => (needKernel ? unwrap(l) : l)).filter((l) => f(unwrap(l)));
  }
  const out: Layer[] = [];
  for (const name of sel) {
    const found = model.layers.find((x) => x.name === name);
    if (!found) throw new Error(`${what}: the model has no layer "${name}" (layers: ${model.layers.map((x) => x.name).join(', ')})`);
    const l = needKernel ? unwrap(found) : found;
    if (needKernel && !isKernelLayer(l)) throw new Error(`${what}: layer "${name}" has no kernel (it is a ${l.className})`);
    out.push(l);
  }
  return out;
}

export type HookList = 'kernelTransforms' | 'accumulatorTransforms' | 'outputTransforms';

/** Appends `make(layer)` to each layer's list; the returned function removes those entries again. */
export function hookLayers(layers: Layer[], list: HookList, make: (l: Layer) => LayerTransform): () => void {
  const added: [Layer, LayerTransform][] = layers.map((l) => {
    const t = make(l);
    l[list].push(t);
    return [l, t];
  });
  return () => {
    for (const [l, t] of added) {
      const i = l[list].indexOf(t);
      if (i >= 0) l[list].splice(i, 1);
    }
  };
}

/** Attaches several perturbations; the result detaches them all (in reverse order). */
export function attachAll(model: Sequential, perturbations: readonly Perturbation[]): () => void {
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
export function withPerturbations<T>(model: Sequential, perturbations: readonly Perturbation[], fn: () => T): T {
  const detach = attachAll(model, perturbations);
  try {
    return fn();
  } finally {
    detach();
  }
}

/** withPerturbations for asynchronous work (e.g. fitAsync): detached when the promise settles. */
export async function withPerturbationsAsync<T>(model: Sequential, perturbations: readonly Perturbation[], fn: () => Promise<T>): Promise<T> {
  const detach = attachAll(model, perturbations);
  try {
    return await fn();
  } finally {
    detach();
  }
}

export function checkNonNegative(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${what} must be a non-negative number, got ${v}`);
  return v;
}

export function checkRate(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new Error(`${what} must be a probability in [0, 1], got ${v}`);
  return v;
}
