// Model presets by name, as the CLI and the experiment runner refer to them.
import type { Sequential } from '../sequential.js';
import { larqMnistFloat } from './larqMnist.js';
import { UsageError } from '../../cli/errors.js';

export interface PresetOptions {
  /** The float twin: same architecture, no quantizers. */
  float?: boolean;
  inputShape?: [number, number, number];
  numClasses?: number;
  seed?: number;
}

interface Preset {
  description: string;
  build(opts: PresetOptions): Sequential;
}

export const presets: Record<string, Preset> = {
  'larq-mnist': {
    description: "Larq's 'Introduction to BNNs' MNIST CNN (3 conv + 2 dense, BN, no biases)",
    build(opts) {
      if (!opts.float) {
        throw new UsageError('model larq-mnist: the binarized form is not available yet in this version; use --float');
      }
      return larqMnistFloat(opts);
    },
  },
};

export function createModel(name: string, opts: PresetOptions = {}): Sequential {
  const p = presets[name];
  if (!p) throw new UsageError(`unknown model "${name}" (known: ${Object.keys(presets).join(', ')})`);
  return p.build(opts);
}
