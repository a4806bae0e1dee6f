// Model presets by name, as the CLI and the experiment runner refer to them.
// Each has a quantized form (options: quantizer / bits / ternary) and a float
// twin (`float`): the same layers with every quantizer removed and a float
// activation where the quantized model binarizes an input (floatActivation.ts).
import type { Model } from '../model.js';
import { larqMnist, larqMnistFloat } from './larqMnist.js';
import { binarynetCifar10, binarynetCifar10Float } from './binarynetCifar10.js';
import { vgg8, vgg8Float } from './vgg8.js';
import type { QuantOptions } from './quantScheme.js';
import type { FloatActivation } from './floatActivation.js';
import { ConfigError } from '../../errors.js';
import { quickNet } from './zoo/quicknet.js';
import { biRealNet } from './zoo/birealnet.js';
import { binaryResNetE18 } from './zoo/binaryResNetE.js';
import { binaryDenseNet28 } from './zoo/binaryDenseNet.js';
import { xnorNet } from './zoo/xnornet.js';
import { doReFaNet } from './zoo/dorefanet.js';
import { binaryAlexNet } from './zoo/binaryAlexNet.js';
import { biRealNetSmall } from './zoo/birealnetSmall.js';
import type { ZooOptions } from './zoo/common.js';

export interface PresetOptions extends QuantOptions {
  /** The float twin: same architecture, no quantizers. */
  float?: boolean;
  /** Float twin: the activation where the quantized model binarizes a layer's input (default relu). */
  floatActivation?: FloatActivation;
  inputShape?: [number, number, number];
  numClasses?: number;
  seed?: number;
}

export interface Preset {
  description: string;
  /** Input shape when none is given (the dataset the model was designed for). */
  defaultInputShape: [number, number, number];
  build(opts: PresetOptions): Model;
}

/** larq_zoo architectures: built as larq_zoo builds them; they have no float twin and their quantizers are fixed. */
function zoo(description: string, make: (o: ZooOptions) => Model, defaultInputShape: [number, number, number] = [224, 224, 3]): Preset {
  return {
    description,
    defaultInputShape,
    build: (opts) => {
      if (opts.float || opts.quantizer !== undefined || opts.bits !== undefined || opts.ternary) {
        throw new ConfigError(`${description.split(' ')[0]}: a larq_zoo architecture has its own quantizers and no float twin (no --float, --quantizer, --bits, --ternary)`);
      }
      return make({ inputShape: opts.inputShape, numClasses: opts.numClasses, seed: opts.seed });
    },
  };
}

const builtinPresets = {
  'larq-mnist': {
    description: "Larq's 'Introduction to BNNs' MNIST CNN (3 conv + 2 dense, BN, no biases)",
    defaultInputShape: [28, 28, 1],
    build: (opts) => (opts.float ? larqMnistFloat(opts) : larqMnist(opts)),
  },
  'binarynet-cifar10': {
    description: "Larq's BinaryNet CIFAR-10 example (6 conv 128-512 + 3 dense 1024-1024-10, BN)",
    defaultInputShape: [32, 32, 3],
    build: (opts) => (opts.float ? binarynetCifar10Float(opts) : binarynetCifar10(opts)),
  },
  vgg8: {
    description: 'VGG-style 8-layer net (6 conv 32-128 in 3 blocks + 2 dense) for 28x28 or 32x32 inputs',
    defaultInputShape: [28, 28, 1],
    build: (opts) => (opts.float ? vgg8Float(opts) : vgg8(opts)),
  },
  // larq_zoo (issue 12): default 224x224x3 and 1000 classes.
  quicknet: zoo('QuickNet (larq_zoo sota.QuickNet): float stem, 16 binary residual blocks, blur-pool transitions', (o) => quickNet(o)),
  birealnet18: zoo('Bi-Real Net 18 (larq_zoo literature.BiRealNet): 16 binary residual blocks, approx_sign / magnitude_aware_sign', biRealNet),
  'binary-resnet-e18': zoo('Binary ResNet-E 18 (larq_zoo literature.BinaryResNetE18)', binaryResNetE18),
  'binary-densenet28': zoo('BinaryDenseNet 28 (larq_zoo literature.BinaryDenseNet28): dense blocks of binary convs', binaryDenseNet28),
  xnornet: zoo('XNOR-Net (larq_zoo literature.XNORNet): AlexNet-like, scaled binary kernels', xnorNet),
  dorefanet: zoo('DoReFa-Net (larq_zoo literature.DoReFaNet): 2-bit activations, binary kernels', doReFaNet),
  'binary-alexnet': zoo('Binary AlexNet (larq_zoo literature.BinaryAlexNet)', binaryAlexNet),
  'birealnet-small': zoo('birealnet-small: Bi-Real-style residual BNN for 28x28 / 32x32 (4 binary residual blocks, 32-64 channels)', biRealNetSmall, [28, 28, 1]),
} satisfies Record<string, Preset>;

/** Preset names: a typo fails typecheck. */
export type PresetName = keyof typeof builtinPresets;

export const presets: Record<string, Preset> = builtinPresets;

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(builtinPresets, name);
}

/** A preset by name (typed: a misspelt name fails typecheck; createModelByName takes run-time strings). */
export function createModel(name: PresetName, opts: PresetOptions = {}): Model {
  return createModelByName(name, opts);
}

/** A preset by a name known only at run time (CLI flags, configs); an unknown name throws a ConfigError listing the presets. */
export function createModelByName(name: string, opts: PresetOptions = {}): Model {
  const p = isPresetName(name) ? builtinPresets[name] : undefined;
  if (!p) throw new ConfigError(`unknown model "${name}" (known: ${Object.keys(presets).join(', ')})`);
  if (opts.float && (opts.quantizer !== undefined || opts.bits !== undefined || opts.ternary)) {
    throw new ConfigError('--float builds the model without quantizers; it cannot be combined with --quantizer, --bits or --ternary');
  }
  return p.build({ ...opts, inputShape: opts.inputShape ?? p.defaultInputShape });
}

export { larqMnist, larqMnistFloat, binarynetCifar10, binarynetCifar10Float, vgg8, vgg8Float };
export { quickNet, biRealNet, binaryResNetE18, binaryDenseNet28, xnorNet, doReFaNet, binaryAlexNet, biRealNetSmall };
export { quantScheme, type QuantOptions } from './quantScheme.js';
export { FLOAT_ACTIVATIONS, type FloatActivation } from './floatActivation.js';
