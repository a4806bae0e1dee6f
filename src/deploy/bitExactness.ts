// Whether a packed model computes predict's logits bit for bit. Every export
// does, unless it was asked to trade that for speed
// (`binarizeScaledKernels`: a sign input times a ±scale kernel packed as
// sign bits, the scale applied to the integer dot), which exportModel
// records in the file's metadata as `bitExact: false` and the names of the
// layers packed that way. Files without the field (all others, and files
// written before it existed) are bit-exact. A leaf module, like
// inputScaling.ts.

export interface BitExactness {
  /** True when the packed logits equal predict's bit for bit. */
  bitExact: boolean;
  /** The source layers whose ±scale kernels were packed as sign bits (empty when bit-exact). */
  binarizedScaledKernels: string[];
}

/** The metadata fields exportModel writes for these layers (none for a bit-exact model, so its bytes stay as before). */
export function bitExactnessMeta(binarizedScaledKernels: readonly string[]): Record<string, unknown> {
  return binarizedScaledKernels.length ? { bitExact: false, binarizedScaledKernels: [...binarizedScaledKernels] } : {};
}

/** The bit-exactness a model's metadata records; bit-exact for files without the field. */
export function bitExactnessOf(meta: Record<string, unknown>): BitExactness {
  const { bitExact, binarizedScaledKernels: layers } = meta;
  if (bitExact === undefined) return { bitExact: true, binarizedScaledKernels: [] };
  if (typeof bitExact !== 'boolean' || (layers !== undefined && !(Array.isArray(layers) && layers.every((l) => typeof l === 'string')))) {
    throw new TypeError(`model metadata: bitExact must be a boolean and binarizedScaledKernels a list of layer names, got ${JSON.stringify({ bitExact, binarizedScaledKernels: layers })}`);
  }
  return { bitExact, binarizedScaledKernels: layers ? [...(layers as string[])] : [] };
}
