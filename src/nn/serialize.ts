// Model architecture <-> plain JSON. A model is described by what its layers'
// getConfig() return (Keras' get_config), one entry per layer with the
// layer's class name; quantizers and constraints are nested as their own
// configs. Rebuilding a model from that description and then overwriting its
// variables is how a training state is loaded (checkpoint.ts).
//
// Only what a config can express is saved: a user's quantizer is found again
// by its registered name, a custom constraint function or an unknown layer
// class cannot be rebuilt and is refused at save time, when the user can
// still act on it, not at load time.
import { Sequential } from './sequential.js';
import type { Model } from './model.js';
import { functionalModelFromSpec } from './graphSpec.js';
import { functionalModelSpecOf, type FunctionalModelSpec } from './graphSpecOf.js';
import type { Layer } from './layer.js';
import type { Constraint } from './variable.js';
import { Dense } from './layers/dense.js';
import { Conv2D } from './layers/conv2d.js';
import { QuantDense } from './layers/quantDense.js';
import { QuantConv2D } from './layers/quantConv2D.js';
import { QuantDepthwiseConv2D } from './layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from './layers/quantSeparableConv2D.js';
import { BatchNormalization } from './layers/batchNormalization.js';
import { MaxPool2D } from './layers/maxPool2D.js';
import { Flatten } from './layers/flatten.js';
import { Activation } from './layers/activation.js';
import { Dropout } from './layers/dropout.js';
import { Add } from './layers/add.js';
import { Concatenate } from './layers/concatenate.js';
import { AveragePooling2D } from './layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from './layers/globalAveragePooling2D.js';
import { ZeroPadding2D } from './layers/zeroPadding2D.js';
import { Reshape } from './layers/reshape.js';
import { ReLU } from './layers/reLU.js';
import { LeakyReLU } from './layers/leakyReLU.js';
import { PReLU } from './layers/pReLU.js';
import type { Quantizer } from '../quantizers/quantizer.js';
import { SteSign } from '../quantizers/steSign.js';
import { ApproxSign } from '../quantizers/approxSign.js';
import { SwishSign } from '../quantizers/swishSign.js';
import { MagnitudeAwareSign } from '../quantizers/magnitudeAwareSign.js';
import { SteTern } from '../quantizers/steTern.js';
import { SteHeaviside } from '../quantizers/steHeaviside.js';
import { DoReFa } from '../quantizers/dorefa.js';
import { NoOp } from '../quantizers/noOp.js';
import { XnorWeightScale } from '../quantizers/xnorWeightScale.js';
import { MagnitudeAwareSignUnclipped } from '../quantizers/magnitudeAwareSignUnclipped.js';
import { getQuantizer, quantizerNames } from '../quantizers/registry.js';
import { weightClip } from '../quantizers/constraints.js';
import type { Shape } from '../tensor/shape.js';

export { ModelFormatError } from '../errors.js';
import { ModelFormatError, XnorkitError } from '../errors.js';

export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
}

export interface ModelSpec {
  className: 'Sequential';
  name: string;
  /** Input shape without the batch axis; null for a model that was never built. */
  inputShape: number[] | null;
  layers: LayerSpec[];
}

type Config = Record<string, unknown>;
type LayerClass = abstract new (...args: never[]) => Layer;

interface LayerEntry {
  cls: LayerClass;
  fromConfig: (config: Config) => Layer;
}

const layers = new Map<string, LayerEntry>();

/**
 * Makes a layer class saveable: `className` is what the layer's className
 * getter returns, `fromConfig` rebuilds it from its getConfig().
 */
export function registerLayer(className: string, cls: LayerClass, fromConfig: (config: Config) => Layer): void {
  if (layers.has(className)) throw new Error(`registerLayer: "${className}" is already registered`);
  layers.set(className, { cls, fromConfig });
}

type QuantizerClass = new (config: never) => Quantizer;

const quantizerClasses: Record<string, QuantizerClass> = {
  SteSign, ApproxSign, SwishSign, MagnitudeAwareSign, SteTern, SteHeaviside, DoReFa, NoOp, XnorWeightScale, MagnitudeAwareSignUnclipped,
};

function isBuiltinQuantizer(q: Quantizer): boolean {
  return quantizerClasses[q.className] === q.constructor;
}

/** Refuses quantizers that a config cannot bring back. */
function checkQuantizer(q: Quantizer | null, where: string): void {
  if (!q || isBuiltinQuantizer(q)) return;
  if (!quantizerNames().includes(q.className)) {
    throw new ModelFormatError(`${where}: quantizer "${q.className}" is not built in and not registered; ` +
      `registerQuantizer("${q.className}", () => ...) so that a loaded model can find it again`);
  }
}

/** A quantizer from its nested config ({ className, config }) or null. */
export function quantizerFromConfig(spec: unknown, where: string): Quantizer | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as { className?: unknown; config?: unknown };
  if (typeof s.className !== 'string' || typeof s.config !== 'object' || s.config === null) {
    throw new ModelFormatError(`${where}: malformed quantizer entry ${JSON.stringify(spec)}`);
  }
  const cls = quantizerClasses[s.className];
  try {
    if (cls) return new cls(s.config as never);
  } catch (e) {
    throw new ModelFormatError(`${where}: quantizer ${s.className}: ${(e as Error).message}`);
  }
  if (!quantizerNames().includes(s.className)) {
    throw new ModelFormatError(`${where}: quantizer "${s.className}" is not built in; register it with ` +
      `registerQuantizer("${s.className}", () => ...) before loading`);
  }
  const q = getQuantizer(s.className)!;
  const want = (s.config as Config).precision;
  if (want !== undefined && want !== q.precision) {
    throw new ModelFormatError(`${where}: the registered quantizer "${s.className}" has precision ${q.precision}, the file says ${String(want)}`);
  }
  return q;
}

function checkConstraint(spec: unknown, where: string): void {
  if (spec === 'custom') {
    throw new ModelFormatError(`${where}: a custom constraint function cannot be saved; use weightClip(c) or none`);
  }
}

/** A constraint from its config ({ className: 'WeightClip', clipValue }) or null. */
export function constraintFromConfig(spec: unknown, where: string): Constraint | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as { className?: unknown; clipValue?: unknown };
  if (s.className === 'WeightClip' && typeof s.clipValue === 'number') return weightClip(s.clipValue);
  throw new ModelFormatError(`${where}: unknown constraint ${JSON.stringify(spec)}`);
}

// Constructor options: the config minus nested objects, which are rebuilt.
function quantOptions(c: Config, where: string, keys: { quantizers: string[]; constraints: string[] }): Config {
  const o: Config = { ...c };
  for (const k of keys.quantizers) o[k] = quantizerFromConfig(c[k], `${where} ${k}`) ?? undefined;
  for (const k of keys.constraints) o[k] = constraintFromConfig(c[k], `${where} ${k}`) ?? undefined;
  return o;
}

const asName = (c: Config) => ({ name: c.name as string | undefined });

registerLayer('dense', Dense, (c) => new Dense(c as never));
registerLayer('conv2d', Conv2D, (c) => new Conv2D(c as never));
registerLayer('quant_dense', QuantDense, (c) => new QuantDense(quantOptions(c, 'quant_dense',
  { quantizers: ['inputQuantizer', 'kernelQuantizer'], constraints: ['kernelConstraint'] }) as never));
registerLayer('quant_conv2d', QuantConv2D, (c) => new QuantConv2D(quantOptions(c, 'quant_conv2d',
  { quantizers: ['inputQuantizer', 'kernelQuantizer'], constraints: ['kernelConstraint'] }) as never));
registerLayer('quant_depthwise_conv2d', QuantDepthwiseConv2D, (c) => new QuantDepthwiseConv2D(quantOptions(c, 'quant_depthwise_conv2d',
  { quantizers: ['inputQuantizer', 'depthwiseQuantizer'], constraints: ['depthwiseConstraint'] }) as never));
registerLayer('quant_separable_conv2d', QuantSeparableConv2D, (c) => new QuantSeparableConv2D(quantOptions(c, 'quant_separable_conv2d',
  { quantizers: ['inputQuantizer', 'depthwiseQuantizer', 'pointwiseQuantizer'], constraints: ['depthwiseConstraint', 'pointwiseConstraint'] }) as never));
registerLayer('batch_normalization', BatchNormalization, (c) => new BatchNormalization(c as never));
registerLayer('max_pooling2d', MaxPool2D, (c) => new MaxPool2D(c as never));
registerLayer('flatten', Flatten, (c) => new Flatten(asName(c)));
registerLayer('activation', Activation, (c) => new Activation(c.activation as never, asName(c)));
registerLayer('dropout', Dropout, (c) => new Dropout(c.rate as number, asName(c)));
// Graph layers (issue 12).
registerLayer('add', Add, (c) => new Add(asName(c)));
registerLayer('concatenate', Concatenate, (c) => new Concatenate(asName(c)));
registerLayer('average_pooling2d', AveragePooling2D, (c) => new AveragePooling2D(c as never));
registerLayer('global_average_pooling2d', GlobalAveragePooling2D, (c) => new GlobalAveragePooling2D(asName(c)));
registerLayer('zero_padding2d', ZeroPadding2D, (c) => new ZeroPadding2D(c as never));
registerLayer('reshape', Reshape, (c) => new Reshape(c as never));
registerLayer('re_lu', ReLU, (c) => new ReLU(asName(c)));
registerLayer('leaky_re_lu', LeakyReLU, (c) => new LeakyReLU(c as never));
registerLayer('p_re_lu', PReLU, (c) => new PReLU(c as never));

const NESTED_QUANTIZERS = ['inputQuantizer', 'kernelQuantizer', 'depthwiseQuantizer', 'pointwiseQuantizer'];
const NESTED_CONSTRAINTS = ['kernelConstraint', 'depthwiseConstraint', 'pointwiseConstraint'];

export function layerToSpec(layer: Layer): LayerSpec {
  const where = `layer "${layer.name}"`;
  const entry = layers.get(layer.className);
  // A subclass or wrapper (e.g. hardware's NoisyLayer) reports its base's
  // class name but computes differently: saving it as the base would lose that.
  if (!entry || Object.getPrototypeOf(layer) !== entry.cls.prototype) {
    throw new ModelFormatError(`${where}: class ${layer.constructor.name} cannot be saved ` +
      `(saveable: ${[...layers.keys()].join(', ')}; registerLayer() adds others)`);
  }
  const config = layer.getConfig();
  for (const k of NESTED_QUANTIZERS) checkQuantizer((layer as unknown as Record<string, Quantizer | null>)[k] ?? null, `${where} ${k}`);
  for (const k of NESTED_CONSTRAINTS) checkConstraint(config[k], `${where} ${k}`);
  return { className: layer.className, config: JSON.parse(JSON.stringify(config)) as Config };
}

export function layerFromSpec(spec: LayerSpec): Layer {
  const entry = layers.get(spec?.className);
  if (!entry) throw new ModelFormatError(`unknown layer class "${String(spec?.className)}" (known: ${[...layers.keys()].join(', ')})`);
  try {
    return entry.fromConfig(spec.config ?? {});
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`layer ${spec.className} ${JSON.stringify(spec.config)}: ${(e as Error).message}`);
  }
}

export function modelToSpec(model: Model): ModelSpec | FunctionalModelSpec {
  if (!(model instanceof Sequential)) return functionalModelSpecOf(model, layerToSpec);
  return {
    className: 'Sequential',
    name: model.name,
    inputShape: model.inputShape ? [...model.inputShape] : null,
    layers: model.layers.map(layerToSpec),
  };
}

/** A new model with the described architecture, built (fresh initial weights) when the spec has an input shape. */
export function modelFromSpec(spec: ModelSpec | FunctionalModelSpec): Model {
  if (spec?.className === 'Model') return functionalModelFromSpec(spec, layerFromSpec);
  if (spec?.className !== 'Sequential' || !Array.isArray(spec.layers)) {
    throw new ModelFormatError(`unsupported model description (className ${JSON.stringify(spec?.className)}; Sequential and functional Model)`);
  }
  const model = new Sequential(spec.layers.map(layerFromSpec), { name: spec.name });
  if (spec.inputShape) {
    try {
      model.build(spec.inputShape as Shape);
    } catch (e) {
      // Layers built before the failing one hold WASM memory.
      model.dispose();
      if (e instanceof XnorkitError) throw e;
      throw new ModelFormatError(`the model description does not build on input [${spec.inputShape.join(', ')}]: ${(e as Error).message}`);
    }
  }
  return model;
}
