// Resolving quantizers given by name, as Larq's quantizers.get does: a string
// is an instance with all defaults ("ste_sign" → SteSign()), an object passes
// through, null/undefined means "no quantizer". Both Larq's aliases and its
// class names are accepted; user quantizers join with registerQuantizer().
import { type Quantizer, isQuantizer } from './quantizer.js';
import { SteSign } from './steSign.js';
import { ApproxSign } from './approxSign.js';
import { SwishSign } from './swishSign.js';
import { MagnitudeAwareSign } from './magnitudeAwareSign.js';
import { SteTern } from './steTern.js';
import { SteHeaviside } from './steHeaviside.js';
import { DoReFa } from './dorefa.js';
import { XnorWeightScale } from './xnorWeightScale.js';
import { MagnitudeAwareSignUnclipped } from './magnitudeAwareSignUnclipped.js';

/**
 * The quantizer names getQuantizer knows (Larq's aliases and class names). A
 * typo in a layer option fails typecheck; a user's quantizer joins with
 * registerQuantizer() plus a declaration merge:
 *   declare module 'xnorkit' { interface QuantizerRegistry { my_quantizer: true } }
 */
export interface QuantizerRegistry {
  ste_sign: true; SteSign: true;
  approx_sign: true; ApproxSign: true;
  swish_sign: true; SwishSign: true;
  magnitude_aware_sign: true; MagnitudeAwareSign: true;
  ste_tern: true; SteTern: true;
  ste_heaviside: true; SteHeaviside: true;
  dorefa_quantizer: true; DoReFa: true; DoReFaQuantizer: true;
  xnor_weight_scale: true; XnorWeightScale: true;
  magnitude_aware_sign_unclipped: true; MagnitudeAwareSignUnclipped: true;
}

export type QuantizerName = keyof QuantizerRegistry;

/** A quantizer option: a known name, an instance, or none. */
export type QuantizerLike = QuantizerName | Quantizer | null | undefined;

const factories = new Map<string, () => Quantizer>();

function builtin(names: string[], make: () => Quantizer): void {
  for (const n of names) factories.set(n, make);
}

builtin(['ste_sign', 'SteSign'], () => new SteSign());
builtin(['approx_sign', 'ApproxSign'], () => new ApproxSign());
builtin(['swish_sign', 'SwishSign'], () => new SwishSign());
builtin(['magnitude_aware_sign', 'MagnitudeAwareSign'], () => new MagnitudeAwareSign());
builtin(['ste_tern', 'SteTern'], () => new SteTern());
builtin(['ste_heaviside', 'SteHeaviside'], () => new SteHeaviside());
// Larq has no "dorefa" alias; keeping to its names keeps configs portable.
builtin(['dorefa_quantizer', 'DoReFa', 'DoReFaQuantizer'], () => new DoReFa());
// larq_zoo's kernel quantizers (XNOR-Net, DoReFa-Net).
builtin(['xnor_weight_scale', 'XnorWeightScale'], () => new XnorWeightScale());
builtin(['magnitude_aware_sign_unclipped', 'MagnitudeAwareSignUnclipped'], () => new MagnitudeAwareSignUnclipped());

/** The string names getQuantizer accepts (aliases and class names). */
export function quantizerNames(): string[] {
  return [...factories.keys()];
}

/** Makes `name` resolve to a fresh quantizer from `make` (user-defined quantizers). */
export function registerQuantizer(name: string, make: () => Quantizer): void {
  if (!name) throw new Error('registerQuantizer: empty name');
  if (factories.has(name)) throw new Error(`registerQuantizer: "${name}" is already registered`);
  factories.set(name, make);
}

/** A quantizer from an option; also takes names only known at run time (registered ones, CLI flags). */
export function getQuantizer(q: QuantizerLike | string): Quantizer | null {
  if (q === null || q === undefined) return null;
  if (typeof q === 'string') {
    const make = factories.get(q);
    if (make) return make();
    if (q === 'NoOp' || q === 'NoOpQuantizer' || q === 'no_op') {
      throw new Error(`quantizer "${q}" needs its precision: use new NoOp({ precision }) instead of a name`);
    }
    throw new Error(`unknown quantizer "${q}" (known: ${quantizerNames().join(', ')})`);
  }
  if (isQuantizer(q)) return q;
  throw new Error(`not a quantizer: ${String(q)} (give a name such as "ste_sign" or an object with call() and precision)`);
}
