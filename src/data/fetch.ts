// Data from URLs and ArrayBuffers, for browsers (no file system) and for any
// runtime with fetch: the bytes are fetched, gunzipped with the standard
// DecompressionStream when they are gzip, and parsed like files.
import { DatasetError } from './errors.js';
import { isGzip } from './idx.js';
import type { Dataset } from './dataset.js';
import { idxPairFromBytes, type BytesLike } from './idxDataset.js';

/** The bytes at a URL, gunzipped if they are gzip data. */
export async function fetchBytes(url: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DatasetError(`${url}: fetch failed (${(e as Error).message})`);
  }
  if (!res.ok) throw new DatasetError(`${url}: HTTP ${res.status} ${res.statusText}`);
  return gunzipBytes(new Uint8Array(await res.arrayBuffer()), String(url));
}

/** Decompresses gzip data asynchronously (DecompressionStream); other bytes are returned as they are. */
export async function gunzipBytes(bytes: Uint8Array<ArrayBuffer>, name = 'data'): Promise<Uint8Array<ArrayBuffer>> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DatasetError(`${name}: corrupt gzip data (${(e as Error).message}); the download may be incomplete`);
  }
}

export interface MnistSource {
  /** The images IDX file: its bytes, or a URL to fetch (raw or .gz). */
  images: BytesLike | string | URL;
  labels: BytesLike | string | URL;
  /** Keep the first `limit` samples. */
  limit?: number;
}

const MNIST = { title: 'MNIST', name: 'mnist', numClasses: 10, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };

/** MNIST from the bytes of its two IDX files (ArrayBuffer / Uint8Array, raw; gzip too under Node). */
export function mnistFromBytes(src: { images: BytesLike; labels: BytesLike; limit?: number }): Dataset {
  return idxPairFromBytes({ ...MNIST, limit: src.limit }, src.images, src.labels);
}

/** MNIST from URLs or bytes of its two IDX files (raw or gzipped), in any runtime with fetch. */
export async function fetchMnist(src: MnistSource): Promise<Dataset> {
  const get = async (x: BytesLike | string | URL) =>
    typeof x === 'string' || x instanceof URL ? fetchBytes(x) : gunzipBytes(new Uint8Array(x instanceof Uint8Array ? x : new Uint8Array(x)));
  const [images, labels] = await Promise.all([get(src.images), get(src.labels)]);
  return idxPairFromBytes({ ...MNIST, limit: src.limit }, images, labels, String(src.images instanceof URL || typeof src.images === 'string' ? src.images : 'MNIST images'), String(src.labels instanceof URL || typeof src.labels === 'string' ? src.labels : 'MNIST labels'));
}
