// Model presets by name, as the CLI and the experiment runner refer to them.
// Each has a quantized form (options: quantizer / bits / ternary) and a float
// twin (`float`): the same layers with every quantizer removed and a float
// activation where the quantized model binarizes an input (floatActivation.ts).
import type { Sequential } from '../sequential.js';
import { larqMnist, larqMnistFloat } from './larqMnist.js';
import { binarynetCifar10, binarynetCifar10Float } from './binarynetCifar10.js';
import { vgg8, vgg8Float } from './vgg8.js';
import type { QuantOptions } from './quantScheme.js';
import type { FloatActivation } from './floatActivation.js';
import { ConfigError } from '../../errors.js';

export interface PresetOptions extends QuantOptions {
  /** The float twin: same architecture, no quantizers. */
  float?: boolean;
  /** Float twin: the activation where the quantized model binarizes a layer's input (default relu). */
  floatActivation?: FloatActivation;
  inputShape?: [number, number, number];
  numClasses?: number;
  seed?: number;
  /** Momentum of every BatchNormalization (default: the preset's own). */
  batchNormMomentum?: number;
  /** Initializer of every kernel (default glorot_uniform). */
  kernelInitializer?: string;
}

interface Preset {
  description: string;
  /** Input shape when none is given (the dataset the model was designed for). */
  defaultInputShape: [number, number, number];
  build(opts: PresetOptions): Sequential;
}

export const presets: Record<string, Preset> = {
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
};

export function createModel(name: string, opts: PresetOptions = {}): Sequential {
  const p = presets[name];
  if (!p) throw new ConfigError(`unknown model "${name}" (known: ${Object.keys(presets).join(', ')})`);
  if (opts.float && (opts.quantizer !== undefined || opts.bits !== undefined || opts.ternary)) {
    throw new ConfigError('--float builds the model without quantizers; it cannot be combined with --quantizer, --bits or --ternary');
  }
  return p.build({ ...opts, inputShape: opts.inputShape ?? p.defaultInputShape });
}

export { larqMnist, larqMnistFloat, binarynetCifar10, binarynetCifar10Float, vgg8, vgg8Float };
export { quantScheme, type QuantOptions } from './quantScheme.js';
export { FLOAT_ACTIVATIONS, type FloatActivation } from './floatActivation.js';
