// One entry point by name, for the CLI's --dataset option. Names are matched
// loosely (case, "-" and "_" ignored) because users type "Fashion_MNIST" and
// "cifar-10" as often as the canonical forms.
import { DatasetError } from './errors.js';
import type { Dataset, LoadOptions } from './dataset.js';
import { loadMnist } from './mnist.js';
import { loadFashionMnist } from './fashionMnist.js';
import { loadCifar10 } from './cifar10.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

const LOADERS: Record<DatasetName, (opts: LoadOptions) => Dataset> = {
  mnist: loadMnist,
  'fashion-mnist': loadFashionMnist,
  cifar10: loadCifar10,
};

const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** The canonical name for a user-typed dataset name, or a DatasetError listing the known ones. */
export function datasetName(name: string): DatasetName {
  const found = DATASET_NAMES.find((n) => squash(n) === squash(name));
  if (!found) throw new DatasetError(`unknown dataset "${name}"; known datasets: ${DATASET_NAMES.join(', ')}`);
  return found;
}

export function loadDataset(name: DatasetName | string, opts: LoadOptions): Dataset {
  if (opts.split !== 'train' && opts.split !== 'test') {
    throw new DatasetError(`unknown split "${String(opts.split)}"; use "train" or "test"`);
  }
  return LOADERS[datasetName(name)](opts);
}
