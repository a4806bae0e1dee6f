// The byte layout of a training-state file (docs/training-state-format.md):
//
//   magic (8) | version u32 | header length u32 | data length u64
//   | header (UTF-8 JSON, zero-padded to 8) | data (float32 LE) | CRC-32 u32
//
// Loading checks, in this order, that the bytes are ours (magic), that this
// xnorkit can read them (version), that none are missing (length) and that
// none changed (CRC-32 of everything before it), so each failure says what
// is wrong instead of surfacing later as a shape error or garbage weights.
import { ModelFormatError } from '../errors.js';
import { crc32 } from '../util/crc32.js';
export { crc32 } from '../util/crc32.js';

/** PNG-style: a non-ASCII byte, then a CR-LF and ^Z that text-mode transfers would mangle. */
export const MAGIC = new Uint8Array([0x89, 0x58, 0x4e, 0x4b, 0x53, 0x0d, 0x0a, 0x1a]); // \x89 X N K S \r \n ^Z
export const TRAINING_STATE_VERSION = 1;
const FIXED = 24;

/** Where an array lives in the data section: byte offset, float32 count. */
export interface ArrayRef { offset: number; length: number }


const pad8 = (n: number) => (n + 7) & ~7;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeContainer(header: unknown, arrays: Float32Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataBytes = arrays.reduce((n, a) => n + a.byteLength, 0);
  const dataStart = FIXED + pad8(json.length);
  const out = new Uint8Array(dataStart + dataBytes + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, TRAINING_STATE_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(dataBytes), true);
  out.set(json, FIXED);
  let o = dataStart;
  for (const a of arrays) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    else for (let i = 0; i < a.length; i++) view.setFloat32(o + 4 * i, a[i], true);
    o += a.byteLength;
  }
  view.setUint32(o, crc32(out, o), true);
  return out;
}

export interface DecodedContainer {
  header: unknown;
  version: number;
  /** Size of the data section in bytes. */
  dataBytes: number;
  /** A copy of one array of the data section. */
  read(ref: ArrayRef, what: string): Float32Array;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function decodeContainer(bytes: Uint8Array): DecodedContainer {
  const head = bytes.subarray(0, MAGIC.length);
  const magicOk = head.length === MAGIC.length && head.every((b, i) => b === MAGIC[i]);
  if (!magicOk) {
    const partial = head.length < MAGIC.length && head.every((b, i) => b === MAGIC[i]);
    if (partial) throw new ModelFormatError(`truncated training state: ${bytes.length} bytes, not even the ${MAGIC.length}-byte signature`);
    // The packed inference format (src/deploy, "\x89XNK\r\n...") is the other file users will hand us.
    if (head.length >= 5 && [0x89, 0x58, 0x4e, 0x4b, 0x0d].every((b, i) => head[i] === b)) {
      throw new ModelFormatError('this is a packed inference model (.xnk, from exportModel / `xnorkit export`), not a training state (.xnks): ' +
        'load it with loadInferenceModel');
    }
    throw new ModelFormatError(`not an xnorkit training state (it starts with ${hex(head) || 'nothing'}, expected ${hex(MAGIC)})`);
  }
  if (bytes.length < FIXED) throw new ModelFormatError(`truncated training state: ${bytes.length} bytes, shorter than the ${FIXED}-byte fixed header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > TRAINING_STATE_VERSION) {
    throw new ModelFormatError(`this training state has format version ${version}, written by a newer xnorkit; ` +
      `this one reads version ${TRAINING_STATE_VERSION}: upgrade xnorkit`);
  }
  if (version < 1) throw new ModelFormatError(`corrupted training state: format version ${version} does not exist`);
  const headerBytes = view.getUint32(12, true);
  const dataBytes = Number(view.getBigUint64(16, true));
  const dataStart = FIXED + pad8(headerBytes);
  const expected = dataStart + dataBytes + 4;
  if (bytes.length < expected) throw new ModelFormatError(`truncated training state: ${bytes.length} bytes, the header announces ${expected}`);
  if (bytes.length > expected) throw new ModelFormatError(`corrupted training state: ${bytes.length - expected} unexpected bytes after the announced ${expected}`);
  const stored = view.getUint32(expected - 4, true);
  const actual = crc32(bytes, expected - 4);
  if (stored !== actual) {
    throw new ModelFormatError(`corrupted training state: checksum mismatch (stored CRC-32 ${stored.toString(16)}, computed ${actual.toString(16)})`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, FIXED + headerBytes)));
  } catch (e) {
    throw new ModelFormatError(`corrupted training state: unreadable header (${(e as Error).message})`);
  }
  const read = (ref: ArrayRef, what: string): Float32Array => {
    const { offset, length } = ref ?? {};
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset % 4 !== 0 || offset + 4 * length > dataBytes) {
      throw new ModelFormatError(`corrupted training state: ${what} points outside the data section (${JSON.stringify(ref)})`);
    }
    const out = new Float32Array(length);
    const start = dataStart + offset;
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(start, start + 4 * length));
    else for (let i = 0; i < length; i++) out[i] = view.getFloat32(start + 4 * i, true);
    return out;
  };
  return { header, version, dataBytes, read };
}
