// Fashion-MNIST (Zalando): MNIST's format and size, harder classes. Debian
// ships it gzipped as the package dataset-fashion-mnist, which is the default
// location; npm has no maintained copy.
import type { Dataset, LoadOptions } from './dataset.js';
import { loadIdxPair } from './idxDataset.js';

export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export function loadFashionMnist(opts: LoadOptions): Dataset {
  return loadIdxPair({
    title: 'Fashion-MNIST',
    name: 'fashion-mnist',
    split: opts.split,
    dir: opts.dataDir ?? FASHION_MNIST_SYSTEM_DIR,
    limit: opts.limit,
    numClasses: 10,
    classNames: FASHION_MNIST_CLASSES,
    howToGet:
      'On Debian/Ubuntu install it as root with `apt-get install dataset-fashion-mnist` ' +
      `(files go to ${FASHION_MNIST_SYSTEM_DIR}), or pass --data-dir DIR with the four Fashion-MNIST IDX files (raw or .gz).`,
  });
}
