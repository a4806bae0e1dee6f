// How a preset is quantized, from the user's options: the default binarizes
// with ste_sign (Larq's tutorials); `quantizer` swaps in another Larq
// quantizer for inputs and kernels; `bits` uses DoReFa k-bit weights (mode
// "weights") and activations (mode "activations"); `ternary` uses ste_tern.
// Every layer gets fresh quantizer instances.
import { getQuantizer, quantizerNames } from '../../quantizers/registry.js';
import { DoReFa } from '../../quantizers/dorefa.js';
import type { Quantizer } from '../../quantizers/quantizer.js';
import { ConfigError } from '../../errors.js';

export interface QuantOptions {
  /** Larq quantizer name for inputs and kernels (default "ste_sign"). */
  quantizer?: string;
  /** DoReFa k-bit weights and activations instead of a 1-bit quantizer. */
  bits?: number;
  /** ste_tern inputs and kernels. */
  ternary?: boolean;
}

export interface QuantScheme {
  /** A short tag for run names: "quant" (binary ste_sign), "dorefa4", "ternary", or the quantizer name. */
  tag: string;
  input(): Quantizer;
  kernel(): Quantizer;
}

export function quantScheme(opts: QuantOptions): QuantScheme {
  const given = [opts.quantizer !== undefined, opts.bits !== undefined, opts.ternary === true].filter(Boolean).length;
  if (given > 1) throw new ConfigError('choose one of --quantizer, --bits and --ternary');
  if (opts.bits !== undefined) {
    const k = opts.bits;
    if (!Number.isInteger(k) || k < 1 || k > 16) throw new ConfigError(`--bits must be an integer from 1 to 16, got ${k}`);
    return {
      tag: `dorefa${k}`,
      input: () => new DoReFa({ kBit: k, mode: 'activations' }),
      kernel: () => new DoReFa({ kBit: k, mode: 'weights' }),
    };
  }
  const name = opts.ternary ? 'ste_tern' : opts.quantizer ?? 'ste_sign';
  if (!quantizerNames().includes(name)) {
    throw new ConfigError(`unknown quantizer "${name}" (known: ${quantizerNames().join(', ')})`);
  }
  return {
    tag: opts.ternary ? 'ternary' : name === 'ste_sign' ? 'quant' : name,
    input: () => getQuantizer(name)!,
    kernel: () => getQuantizer(name)!,
  };
}
