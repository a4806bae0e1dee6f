// The in-memory dataset every loader returns and every trainer consumes:
// images as one NHWC float block already normalised to [-1, 1] (the range
// binarized networks want, since sign() splits it at 0), labels as bytes.
import type { Rng } from '../tensor/random.js';
import { DatasetError } from './errors.js';

export interface Dataset {
  name: string;
  /** count x height x width x channels, values in [-1, 1]. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: readonly string[];
}

/** Options every loader accepts. */
export interface LoadOptions {
  split: 'train' | 'test';
  /** Keep only the first `limit` samples of the split (for quick runs). */
  limit?: number;
  /** Directory holding the dataset files, instead of the default location. */
  dataDir?: string;
}

export function sampleSize(ds: Dataset): number {
  return ds.height * ds.width * ds.channels;
}

// 256 entries: converting by table lookup is both faster and guarantees that
// 0 and 255 map to exactly -1 and 1. Loaders that reorder pixels index it directly.
export const BYTE_TO_UNIT = new Float32Array(256);
for (let i = 0; i < 256; i++) BYTE_TO_UNIT[i] = i / 127.5 - 1;

/** dst[i] = src[i] / 127.5 - 1. */
export function normalizeBytes(src: Uint8Array, dst: Float32Array, dstOffset = 0): void {
  for (let i = 0; i < src.length; i++) dst[dstOffset + i] = BYTE_TO_UNIT[src[i]];
}

/** How many of `available` samples a `limit` option keeps; rejects nonsense limits. */
export function resolveLimit(limit: number | undefined, available: number): number {
  if (limit === undefined) return available;
  if (!Number.isInteger(limit) || limit <= 0) {
    throw new DatasetError(`limit must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, available);
}

/** The first n samples, sharing memory with ds. */
export function take(ds: Dataset, n: number): Dataset {
  const k = resolveLimit(n, ds.count);
  if (k === ds.count) return ds;
  return {
    ...ds,
    images: ds.images.subarray(0, k * sampleSize(ds)),
    labels: ds.labels.subarray(0, k),
    count: k,
  };
}

/** The samples at `indices` (copied, in that order), or the first n when given a number. */
export function subset(ds: Dataset, indicesOrLimit: ArrayLike<number> | number): Dataset {
  if (typeof indicesOrLimit === 'number') return take(ds, indicesOrLimit);
  const idx = indicesOrLimit;
  const s = sampleSize(ds);
  const images = new Float32Array(idx.length * s);
  const labels = new Uint8Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    if (!Number.isInteger(j) || j < 0 || j >= ds.count) {
      throw new RangeError(`subset: index ${j} is outside ${ds.name} (0..${ds.count - 1})`);
    }
    images.set(ds.images.subarray(j * s, (j + 1) * s), i * s);
    labels[i] = ds.labels[j];
  }
  return { ...ds, images, labels, count: idx.length };
}

/**
 * Holds out round(count * fraction) samples for validation. With an rng the
 * held-out samples are drawn at random (copies); without, they are the last
 * ones, as Keras' validation_split does (views, no copy).
 */
export function splitValidation(ds: Dataset, fraction: number, rng?: Rng): { train: Dataset; validation: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new DatasetError(`validation fraction must be in (0, 1), got ${fraction}`);
  const nVal = Math.round(ds.count * fraction);
  if (nVal < 1 || nVal >= ds.count) {
    throw new DatasetError(`validation fraction ${fraction} of ${ds.count} samples leaves an empty train or validation set`);
  }
  const nTrain = ds.count - nVal;
  if (rng) {
    const p = rng.permutation(ds.count);
    return {
      train: { ...subset(ds, p.subarray(0, nTrain)), name: `${ds.name} (train part)` },
      validation: { ...subset(ds, p.subarray(nTrain)), name: `${ds.name} (validation)` },
    };
  }
  const s = sampleSize(ds);
  return {
    train: { ...take(ds, nTrain), name: `${ds.name} (train part)` },
    validation: {
      ...ds,
      name: `${ds.name} (validation)`,
      images: ds.images.subarray(nTrain * s),
      labels: ds.labels.subarray(nTrain),
      count: nVal,
    },
  };
}

/**
 * Checks what a loader guarantees and a hand-built Dataset may not: sizes that
 * agree (count samples of height x width x channels, count labels) and
 * labels that are class indices 0..numClasses-1. Throws a DatasetError naming
 * the first bad index.
 */
export function validateDataset(ds: Dataset): void {
  const dims = [ds.count, ds.height, ds.width, ds.channels, ds.numClasses];
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DatasetError(`dataset ${ds.name}: count, height, width, channels and numClasses must be non-negative integers, got ${dims.join(', ')}`);
  }
  if (ds.count === 0) throw new DatasetError(`dataset ${ds.name} is empty (0 samples)`);
  const need = ds.count * sampleSize(ds);
  if (ds.images.length !== need) {
    throw new DatasetError(`dataset ${ds.name}: ${ds.images.length} image values, but ${ds.count} samples of ${ds.height}x${ds.width}x${ds.channels} need ${need}`);
  }
  if (ds.labels.length !== ds.count) throw new DatasetError(`dataset ${ds.name}: ${ds.labels.length} labels for ${ds.count} samples`);
  for (let i = 0; i < ds.count; i++) {
    const y = ds.labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < ds.numClasses)) {
      throw new DatasetError(`dataset ${ds.name}: label ${y} at index ${i} is not a class index 0..${ds.numClasses - 1}`);
    }
  }
}

export interface DatasetInit {
  name?: string;
  /** count x height x width x channels values (already scaled as the model expects, e.g. to [-1, 1]). */
  images: Float32Array | ArrayLike<number>;
  /** One class index 0..numClasses-1 per sample; any numeric array (validated before it becomes bytes). */
  labels: ArrayLike<number>;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: readonly string[];
}

/**
 * A Dataset from the user's own arrays. Labels are checked before they are
 * stored as bytes, so −1, 1.5 or 300 are reported (with their index) instead
 * of wrapping to 255, 1 or 44; a labels array of the wrong length is refused.
 */
export function createDataset(init: DatasetInit): Dataset {
  const name = init.name ?? 'dataset';
  const per = init.height * init.width * init.channels;
  if (!(Number.isInteger(per) && per > 0)) throw new DatasetError(`dataset ${name}: bad sample shape ${init.height}x${init.width}x${init.channels}`);
  if (init.images.length % per !== 0) {
    throw new DatasetError(`dataset ${name}: ${init.images.length} image values is not a whole number of ${init.height}x${init.width}x${init.channels} samples`);
  }
  const count = init.images.length / per;
  if (init.labels.length !== count) throw new DatasetError(`dataset ${name}: ${init.labels.length} labels for ${count} images`);
  if (!(Number.isInteger(init.numClasses) && init.numClasses >= 1 && init.numClasses <= 256)) {
    throw new DatasetError(`dataset ${name}: numClasses must be an integer in 1..256, got ${init.numClasses}`);
  }
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const y = init.labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < init.numClasses)) {
      throw new DatasetError(`dataset ${name}: label ${y} at index ${i} is not a class index 0..${init.numClasses - 1}`);
    }
    labels[i] = y;
  }
  const ds: Dataset = {
    name, images: init.images instanceof Float32Array ? init.images : Float32Array.from(init.images), labels, count,
    height: init.height, width: init.width, channels: init.channels, numClasses: init.numClasses,
    ...(init.classNames ? { classNames: init.classNames } : {}),
  };
  validateDataset(ds);
  return ds;
}
