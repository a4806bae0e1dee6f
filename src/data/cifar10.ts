// CIFAR-10, "binary version": each batch file is a run of 3073-byte records,
// one label byte then a 32x32 image stored channel-major (all red, all green,
// all blue, each row-major). We transpose to NHWC because every kernel in
// xnorkit is channels-last. There is no default location: the archive has to
// be fetched by the user and passed with --data-dir.
import { platform } from '#platform';
import { DatasetError } from './errors.js';
import { readDataFile } from './idx.js';
import { BYTE_TO_UNIT, type Dataset, type LoadOptions, resolveLimit } from './dataset.js';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
const RECORD = 1 + PIXELS;
const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
const HOW_TO_GET =
  `CIFAR-10 is not bundled: download the binary version (${CIFAR_URL}) on a machine with internet access, ` +
  'extract it, and pass the extracted directory (cifar-10-batches-bin) with --data-dir DIR.';

export function cifar10Files(split: 'train' | 'test'): string[] {
  return split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
}

/** The directory holding the batches: dataDir itself, or the folder the archive extracts to inside it. */
function resolveDir(dataDir: string, files: string[]): string {
  if (!platform.exists(dataDir)) throw new DatasetError(`CIFAR-10: data directory ${dataDir} does not exist. ${HOW_TO_GET}`);
  if (!platform.isDirectory(dataDir)) throw new DatasetError(`CIFAR-10: ${dataDir} is not a directory. ${HOW_TO_GET}`);
  const nested = platform.joinPath(dataDir, 'cifar-10-batches-bin');
  if (!platform.exists(platform.joinPath(dataDir, files[0])) && platform.exists(platform.joinPath(nested, files[0]))) return nested;
  return dataDir;
}

export function loadCifar10(opts: LoadOptions): Dataset {
  const files = cifar10Files(opts.split);
  if (opts.dataDir === undefined) {
    throw new DatasetError(`CIFAR-10 needs --data-dir DIR with ${files.join(', ')}. ${HOW_TO_GET}`);
  }
  const dir = resolveDir(opts.dataDir, files);
  const paths = files.map((f) => platform.joinPath(dir, f));
  const absent = files.filter((_, i) => !platform.exists(paths[i]));
  if (absent.length > 0) {
    throw new DatasetError(`CIFAR-10 ${opts.split} split: missing ${absent.join(', ')} in ${dir}. ${HOW_TO_GET}`);
  }

  // Sizes first, so the output is allocated once and a bad later file fails
  // before the earlier ones are decoded.
  const counts = paths.map((p) => {
    const size = platform.fileSize(p);
    if (size === 0 || size % RECORD !== 0) {
      throw new DatasetError(
        `${p}: size ${size} bytes is not a positive multiple of ${RECORD} (1 label byte + ${PIXELS} pixel bytes per image): ` +
          'the file is truncated, or not from the CIFAR-10 binary version',
      );
    }
    return size / RECORD;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  const count = resolveLimit(opts.limit, total);
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);

  let done = 0;
  for (let f = 0; f < paths.length && done < count; f++) {
    const bytes = readDataFile(paths[f]);
    // The file may have changed since stat(); trust only what was read.
    if (bytes.length !== counts[f] * RECORD) throw new DatasetError(`${paths[f]}: file changed while reading`);
    const n = Math.min(counts[f], count - done);
    decodeRecords(bytes, n, images, labels, done, paths[f]);
    done += n;
  }
  return {
    name: 'cifar10',
    images,
    labels,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: 10,
    classNames: CIFAR10_CLASSES,
  };
}

function decodeRecords(
  bytes: Uint8Array,
  n: number,
  images: Float32Array,
  labels: Uint8Array,
  first: number,
  path: string,
): void {
  for (let r = 0; r < n; r++) {
    const src = r * RECORD;
    const label = bytes[src];
    if (label >= 10) {
      throw new DatasetError(
        `${path}: record ${r} has label ${label}; CIFAR-10 labels are 0..9 (CIFAR-100 files have two label bytes and are not supported)`,
      );
    }
    labels[first + r] = label;
    const dst = (first + r) * PIXELS;
    // Transpose and scale in one pass over the record.
    for (let c = 0; c < 3; c++) {
      const plane = src + 1 + c * PLANE;
      for (let p = 0; p < PLANE; p++) images[dst + p * 3 + c] = BYTE_TO_UNIT[bytes[plane + p]];
    }
  }
}
