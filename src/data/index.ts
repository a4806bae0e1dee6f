// Public surface of the data layer.
export { DatasetError } from './errors.js';
export { readIdx, readIdxFile, isGzip, type Idx, type IdxType, type IdxData } from './idx.js';
export {
  type Dataset,
  type LoadOptions,
  sampleSize,
  normalizeBytes,
  take,
  subset,
  splitValidation,
  validateDataset,
  createDataset,
  type DatasetInit,
} from './dataset.js';
export { loadMnist, mnistPackageDir } from './mnist.js';
export { idxPairFromBytes, type BytesLike, type IdxPairInfo } from './idxDataset.js';
export { fetchBytes, gunzipBytes, fetchMnist, mnistFromBytes, type MnistSource } from './fetch.js';
export { loadFashionMnist, FASHION_MNIST_SYSTEM_DIR, FASHION_MNIST_CLASSES } from './fashionMnist.js';
export { loadCifar10, cifar10Files, CIFAR10_CLASSES } from './cifar10.js';
export { loadDataset, datasetName, DATASET_NAMES, type DatasetName } from './loadDataset.js';
export { batches, numBatches, type Batch, type BatchOptions } from './batches.js';
