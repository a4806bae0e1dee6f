// Reader for the IDX format of MNIST-style datasets: two zero bytes, a type
// byte, a dimension-count byte, big-endian u32 dimensions, then the values,
// big-endian. Files are often distributed gzipped, so gzip is detected by its
// magic bytes rather than by the file name (browsers and some mirrors
// decompress transparently but keep the .gz name).
import { platform } from '#platform';
import { DatasetError } from './errors.js';
import { XnorkitError } from '../errors.js';

export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Idx {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  8: { type: 'ubyte', bytes: 1 },
  9: { type: 'byte', bytes: 1 },
  11: { type: 'short', bytes: 2 },
  12: { type: 'int', bytes: 4 },
  13: { type: 'float', bytes: 4 },
  14: { type: 'double', bytes: 8 },
};

const hex = (b: number) => '0x' + b.toString(16).padStart(2, '0');

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses IDX bytes (gzipped or not). `name` only labels error messages. */
export function readIdx(bytes: Uint8Array, name = 'IDX data'): Idx {
  if (isGzip(bytes)) {
    try {
      bytes = platform.gunzip(bytes);
    } catch (e) {
      throw new DatasetError(`${name}: corrupt gzip data (${(e as Error).message}); the download may be incomplete`);
    }
  }
  if (bytes.length < 4) {
    throw new DatasetError(`${name}: truncated: ${bytes.length} bytes is shorter than the 4-byte IDX magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(
      `${name}: not an IDX file: it starts with bytes ${hex(bytes[0])} ${hex(bytes[1])}, an IDX file starts with 0x00 0x00`,
    );
  }
  const t = TYPES[bytes[2]];
  if (!t) {
    const known = Object.entries(TYPES).map(([k, v]) => `${hex(Number(k))} ${v.type}`).join(', ');
    throw new DatasetError(`${name}: unknown IDX data type ${hex(bytes[2])} (known: ${known})`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new DatasetError(`${name}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      `${name}: truncated: header declares ${ndims} dimensions (${headerBytes} header bytes), file has ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const want = count * t.bytes;
  const have = bytes.length - headerBytes;
  if (have !== want) {
    const what = `header promises ${dims.join('x')} = ${want} bytes of data` + (t.bytes > 1 ? ` (${t.type}, ${t.bytes} bytes each)` : '');
    if (have < want) throw new DatasetError(`${name}: truncated: ${what}, file has ${have}`);
    throw new DatasetError(`${name}: ${have - want} bytes of trailing garbage: ${what}, file has ${have}`);
  }
  return { type: t.type, dims, data: decode(t.type, bytes, headerBytes, count, view) };
}

function decode(type: IdxType, bytes: Uint8Array, off: number, n: number, view: DataView): IdxData {
  // Bytes need no conversion: hand out views so that 47 MB of MNIST is not copied.
  if (type === 'ubyte') return bytes.subarray(off, off + n);
  if (type === 'byte') return new Int8Array(bytes.buffer, bytes.byteOffset + off, n);
  // Wider types are big-endian on disk and may be unaligned, so go through DataView.
  if (type === 'short') {
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt16(off + 2 * i, false);
    return out;
  }
  if (type === 'int') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(off + 4 * i, false);
    return out;
  }
  if (type === 'float') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(off + 4 * i, false);
    return out;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(off + 8 * i, false);
  return out;
}

/** Reads and parses an IDX file; errors name the path. */
export function readIdxFile(path: string): Idx {
  return readIdx(readDataFile(path), path);
}

/** readFileSync whose failures are DatasetErrors naming the path. */
export function readDataFile(path: string): Uint8Array {
  try {
    return platform.readFile(path);
  } catch (e) {
    if (e instanceof XnorkitError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError(`${path}: file not found`);
    if (code === 'EISDIR') throw new DatasetError(`${path}: is a directory, expected a data file`);
    throw new DatasetError(`${path}: cannot read (${(e as Error).message})`);
  }
}
