// What the larq_zoo presets share: their options, Keras' global_pool as
// larq_zoo writes it (AveragePooling2D over the whole map, then Flatten),
// and Python's round (half to even) for DenseNet's transition widths.
import type { SymbolicTensor } from '../../symbolic.js';
import { AveragePooling2D } from '../../layers/averagePooling2D.js';
import { Flatten } from '../../layers/flatten.js';
import { ConfigError } from '../../../errors.js';

export interface ZooOptions {
  /** Default [224, 224, 3] (ImageNet). */
  inputShape?: [number, number, number];
  /** Default 1000. */
  numClasses?: number;
  seed?: number;
}

export function zooShape(opts: ZooOptions): [number, number, number] {
  const s = opts.inputShape ?? [224, 224, 3];
  if (s.length !== 3 || s.some((d) => !Number.isInteger(d) || d < 1)) throw new ConfigError(`input shape must be [height, width, channels], got ${JSON.stringify(s)}`);
  return s;
}

/** larq_zoo's utils.global_pool: average over the whole map, then flatten. */
export function globalPool(x: SymbolicTensor): SymbolicTensor {
  const [h, w] = x.shape;
  return new Flatten().apply(new AveragePooling2D({ poolSize: [h, w] }).apply(x));
}

/** Python 3's round(): half to even. */
export function pyRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
