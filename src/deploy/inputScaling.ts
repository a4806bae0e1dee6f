// Input preprocessing recorded in a packed model's metadata, so that a
// loader given raw pixels feeds the model what it was trained on:
//   x = byte * scale + offset
// xnorkit's data loaders map bytes 0..255 to [-1, 1] (src/data/dataset.ts,
// BYTE_TO_UNIT), which is the default written by exportModel and the one
// assumed for files written before the field existed (docs/model-format.md).
// A leaf module: the standalone loader (src/infer) imports it too.

export interface InputScaling {
  /** What the raw input is: 8-bit pixels (0..255). */
  from: 'uint8';
  scale: number;
  offset: number;
}

/** What xnorkit's loaders do: byte / 127.5 - 1 (0 -> -1, 255 -> 1). */
export const DEFAULT_INPUT_SCALING: InputScaling = Object.freeze({ from: 'uint8', scale: 1 / 127.5, offset: -1 });

/** The input scaling of a model's metadata: its `inputScaling`, or the default for files without one. */
export function inputScalingOf(meta: Record<string, unknown>): InputScaling {
  const s = meta.inputScaling as Partial<InputScaling> | undefined;
  if (s === undefined) return DEFAULT_INPUT_SCALING;
  if (typeof s !== 'object' || s === null || s.from !== 'uint8' || !Number.isFinite(s.scale) || !Number.isFinite(s.offset)) {
    throw new TypeError(`model metadata: inputScaling must be { from: 'uint8', scale: number, offset: number }, got ${JSON.stringify(s)}`);
  }
  return { from: 'uint8', scale: s.scale!, offset: s.offset! };
}

/** out[i] = bytes[i] * scale + offset, in float32 (for the default, bit for bit what the training loaders produce). */
export function scaleBytes(bytes: ArrayLike<number>, s: InputScaling, out = new Float32Array(bytes.length)): Float32Array {
  const table = new Float32Array(256);
  for (let i = 0; i < 256; i++) table[i] = i * s.scale + s.offset;
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i] & 255];
  return out;
}
