// Weight initialisers with Keras' names and formulas (fan_in/fan_out of a
// conv kernel [KH, KW, C, OC] are KH·KW·C and KH·KW·OC). The truncated normals
// redraw beyond two standard deviations and correct the std as Keras does.
import type { Rng } from '../tensor/random.js';

export type Initializer = (out: Float32Array, shape: readonly number[], rng: Rng) => void;

export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

// Std of a unit normal truncated to [-2, 2]; dividing by it restores the requested std.
const TRUNC_STD = 0.8796256610342398;

function truncatedNormal(out: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do z = rng.normal(); while (Math.abs(z) > 2);
    out[i] = z * std;
  }
}

export const initializers = {
  zeros: (out) => out.fill(0),
  ones: (out) => out.fill(1),
  glorot_uniform: (out, shape, rng) => {
    const [fi, fo] = fans(shape);
    const limit = Math.sqrt(6 / (fi + fo));
    rng.fillUniform(out, -limit, limit);
  },
  glorot_normal: (out, shape, rng) => {
    const [fi, fo] = fans(shape);
    truncatedNormal(out, Math.sqrt(2 / (fi + fo)) / TRUNC_STD, rng);
  },
  he_uniform: (out, shape, rng) => {
    const limit = Math.sqrt(6 / fans(shape)[0]);
    rng.fillUniform(out, -limit, limit);
  },
  he_normal: (out, shape, rng) => {
    truncatedNormal(out, Math.sqrt(2 / fans(shape)[0]) / TRUNC_STD, rng);
  },
  random_uniform: (out, _shape, rng) => rng.fillUniform(out, -0.05, 0.05),
} satisfies Record<string, Initializer>;

/** Initializer names (Keras' snake_case): a typo fails typecheck. */
export type InitializerName = keyof typeof initializers;

/** An initializer option: a name or a function. */
export type InitializerLike = InitializerName | Initializer;

export function getInitializer(init: InitializerLike | string): Initializer {
  if (typeof init === 'function') return init;
  const key = init.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const f = (initializers as Record<string, Initializer>)[key];
  if (!f) throw new Error(`unknown initializer "${init}" (known: ${Object.keys(initializers).join(', ')})`);
  return f;
}
