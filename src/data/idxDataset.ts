// MNIST and Fashion-MNIST share one on-disk layout: an images IDX file
// (N x H x W ubyte) and a labels IDX file (N ubyte) per split, named
// train-*/t10k-*, raw or gzipped. This file turns such a pair into a Dataset;
// the per-dataset files only say where to look and how to get the files.
import { platform } from '#platform';
import { DatasetError } from './errors.js';
import { readIdx, readDataFile } from './idx.js';
import { type Dataset, normalizeBytes, resolveLimit } from './dataset.js';

export interface IdxPairSpec {
  /** Display name, e.g. "MNIST". */
  title: string;
  /** Dataset.name of the result, e.g. "mnist". */
  name: string;
  split: 'train' | 'test';
  dir: string;
  limit?: number;
  numClasses: number;
  classNames?: readonly string[];
  /** Appended to "not found" errors: how to obtain the files. */
  howToGet: string;
}

function baseNames(split: 'train' | 'test', kind: 'images' | 'labels'): string[] {
  const prefix = split === 'train' ? 'train' : 't10k';
  const n = kind === 'images' ? 3 : 1;
  // The official names use "-idx3-"; Kaggle and some mirrors use ".idx3-".
  return [`${prefix}-${kind}-idx${n}-ubyte`, `${prefix}-${kind}.idx${n}-ubyte`];
}

/** Finds the first existing raw or .gz candidate, or null. */
function findFile(dir: string, bases: string[]): string | null {
  for (const b of bases) {
    for (const f of [b, `${b}.gz`]) {
      const p = platform.joinPath(dir, f);
      if (platform.exists(p)) return p;
    }
  }
  return null;
}

function missing(spec: IdxPairSpec, what: string, bases: string[]): DatasetError {
  const dirState = !platform.exists(spec.dir)
    ? ' (the directory does not exist)'
    : !platform.isDirectory(spec.dir)
      ? ' (that is not a directory)'
      : '';
  return new DatasetError(
    `${spec.title} ${spec.split} ${what} not found: looked for ${bases[0]} or ${bases[0]}.gz in ${spec.dir}${dirState}. ${spec.howToGet}`,
  );
}

export function loadIdxPair(spec: IdxPairSpec): Dataset {
  const imgBases = baseNames(spec.split, 'images');
  const lblBases = baseNames(spec.split, 'labels');
  const imgPath = findFile(spec.dir, imgBases);
  if (!imgPath) throw missing(spec, 'images', imgBases);
  const lblPath = findFile(spec.dir, lblBases);
  if (!lblPath) throw missing(spec, 'labels', lblBases);

  return idxPairFromBytes(spec, readDataFile(imgPath), readDataFile(lblPath), imgPath, lblPath);
}

export type BytesLike = ArrayBuffer | Uint8Array;

export interface IdxPairInfo {
  title: string;
  name: string;
  limit?: number;
  numClasses: number;
  classNames?: readonly string[];
}

const asBytes = (b: BytesLike): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/**
 * A Dataset from the bytes of an images IDX file and a labels IDX file
 * (raw, or gzipped under Node); the names only label errors.
 */
export function idxPairFromBytes(spec: IdxPairInfo, imageBytes: BytesLike, labelBytes: BytesLike, imgPath = `${spec.title} images`, lblPath = `${spec.title} labels`): Dataset {
  const img = readIdx(asBytes(imageBytes), imgPath);
  if (img.type !== 'ubyte' || img.dims.length !== 3) {
    throw new DatasetError(
      `${imgPath}: expected ubyte images of shape N x height x width, got ${img.type} ${img.dims.join('x')}`,
    );
  }
  const lbl = readIdx(asBytes(labelBytes), lblPath);
  if (lbl.type !== 'ubyte' || lbl.dims.length !== 1) {
    throw new DatasetError(`${lblPath}: expected ubyte labels of shape N, got ${lbl.type} ${lbl.dims.join('x')}`);
  }
  const [n, height, width] = img.dims;
  if (lbl.dims[0] !== n) {
    throw new DatasetError(`${lblPath}: ${lbl.dims[0]} labels, but ${imgPath} has ${n} images`);
  }
  const count = resolveLimit(spec.limit, n);
  const labels = new Uint8Array((lbl.data as Uint8Array).subarray(0, count));
  for (let i = 0; i < count; i++) {
    if (labels[i] >= spec.numClasses) {
      throw new DatasetError(`${lblPath}: label ${labels[i]} at index ${i}; ${spec.title} labels are 0..${spec.numClasses - 1}`);
    }
  }
  const pixels = count * height * width;
  const images = new Float32Array(pixels);
  normalizeBytes((img.data as Uint8Array).subarray(0, pixels), images);
  return {
    name: spec.name,
    images,
    labels,
    count,
    height,
    width,
    channels: 1,
    numClasses: spec.numClasses,
    classNames: spec.classNames,
  };
}
