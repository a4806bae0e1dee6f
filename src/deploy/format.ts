// The packed inference model file (.xnk), version 1 — specified in
// docs/model-format.md. This module writes it from layer records and checks
// a file's envelope (magic, version, length, CRC-32, record framing) with
// errors that say what is wrong; assembly/infer-plan.ts reads the records.
import { ModelFormatError } from '../nn/serialize.js';
import { crc32 } from '../util/crc32.js';
export { crc32 } from '../util/crc32.js';

export const MAGIC = Uint8Array.of(0x89, 0x58, 0x4e, 0x4b, 0x0d, 0x0a, 0x1a, 0x0a); // "\x89XNK\r\n\x1a\n"
export const FORMAT_VERSION = 1;
const HEADER = 44;

// One error class for every xnorkit file the user hands over (also the training state's).
export { ModelFormatError };

export type TensorKind = 'float' | 'bits' | 'codes2';
export type WeightKind = 'float' | 'sign' | 'codes2';
export interface Pad4 { top: number; bottom: number; left: number; right: number }

export type ConvOutput =
  | { kind: 'float'; scale?: Float32Array; shift?: Float32Array }
  /** bit (-1) where (flip ? -acc : acc) < threshold; i32 thresholds for packed inputs, f32 for float inputs. */
  | { kind: 'bits'; thresholds: Int32Array | Float32Array; flip: Uint8Array };

export type LayerRecord =
  | {
    op: 'conv'; input: TensorKind; weightKind: WeightKind; KH: number; KW: number; C: number; OC: number;
    strides: [number, number]; pad: Pad4; padValue: number;
    /** HWIO [KH, KW, C, OC] in element order: f32 values, or sign bits / 2-bit codes packed LSB-first. */
    weights: Float32Array | Uint8Array; output: ConvOutput;
  }
  | { op: 'pool'; input: 'float' | 'bits'; KH: number; KW: number; strides: [number, number]; pad: Pad4; C: number; orMask?: Uint8Array }
  | { op: 'affine'; scale?: Float32Array; shift?: Float32Array }
  | { op: 'activation'; kind: 'relu' | 'hard_tanh' }
  | { op: 'sign' }
  | { op: 'dorefa2' }
  | { op: 'flatten' };

export const OPCODES = { conv: 1, pool: 2, affine: 3, activation: 4, sign: 5, dorefa2: 6, flatten: 7 } as const;
const KIND_CODE: Record<TensorKind | WeightKind, number> = { float: 0, bits: 1, sign: 1, codes2: 2 };
const OP_NAMES = Object.fromEntries(Object.entries(OPCODES).map(([k, v]) => [v, k])) as Record<number, string>;

export interface ModelHeader {
  version: number;
  byteLength: number;
  inputShape: [number, number, number];
  outputs: number;
  layerCount: number;
  meta: Record<string, unknown>;
  /** Byte offset and opcode name of each layer record. */
  records: { offset: number; op: string; byteLength: number }[];
}


// A growable little-endian byte sink.
class Sink {
  private buf = new Uint8Array(1 << 12);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  f32s(a: Float32Array): void {
    for (let i = 0; i < a.length; i++) this.f32(a[i]);
  }
  align4(): void {
    while (this.length & 3) this.bytes(Uint8Array.of(0));
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeRecord(s: Sink, r: LayerRecord): void {
  const start = s.length;
  s.u32(OPCODES[r.op]);
  s.u32(0); // length, patched below
  switch (r.op) {
    case 'conv': {
      s.u32(KIND_CODE[r.input]);
      s.u32(KIND_CODE[r.weightKind]);
      for (const v of [r.KH, r.KW, r.OC, r.strides[0], r.strides[1], r.pad.top, r.pad.bottom, r.pad.left, r.pad.right]) s.u32(v);
      s.f32(r.padValue);
      const o = r.output;
      s.u32(o.kind === 'bits' ? 1 : 0);
      s.u32(o.kind === 'float' ? (o.scale ? 1 : 0) | (o.shift ? 2 : 0) : 0);
      if (r.weights instanceof Float32Array) s.f32s(r.weights);
      else s.bytes(r.weights);
      s.align4();
      if (o.kind === 'float') {
        if (o.scale) s.f32s(o.scale);
        if (o.shift) s.f32s(o.shift);
      } else {
        for (let i = 0; i < o.thresholds.length; i++) {
          if (o.thresholds instanceof Float32Array) s.f32(o.thresholds[i]);
          else s.i32(o.thresholds[i]);
        }
        s.bytes(o.flip);
        s.align4();
      }
      break;
    }
    case 'pool':
      s.u32(KIND_CODE[r.input]);
      for (const v of [r.KH, r.KW, r.strides[0], r.strides[1], r.pad.top, r.pad.bottom, r.pad.left, r.pad.right]) s.u32(v);
      if (r.input === 'bits') {
        const m = new Uint8Array(Math.ceil(r.C / 8));
        if (r.orMask) m.set(r.orMask.subarray(0, m.length));
        s.bytes(m);
        s.align4();
      }
      break;
    case 'affine':
      s.u32((r.scale ? 1 : 0) | (r.shift ? 2 : 0));
      if (r.scale) s.f32s(r.scale);
      if (r.shift) s.f32s(r.shift);
      break;
    case 'activation':
      s.u32(r.kind === 'relu' ? 1 : 2);
      break;
    default:
      break;
  }
  s.setU32(start + 4, s.length - start);
}

/** Serialises a model: header, JSON metadata, layer records, CRC-32. */
export function writeModel(inputShape: [number, number, number], outputs: number, records: LayerRecord[],
  meta: Record<string, unknown>): Uint8Array {
  const s = new Sink();
  s.bytes(MAGIC);
  s.u32(FORMAT_VERSION);
  s.u32(0); // total length
  s.u32(0); // CRC
  for (const v of [...inputShape, outputs, records.length]) s.u32(v);
  const json = new TextEncoder().encode(JSON.stringify(meta));
  s.u32(json.length);
  s.bytes(json);
  s.align4();
  for (const r of records) writeRecord(s, r);
  const out = s.result();
  const view = new DataView(out.buffer);
  view.setUint32(12, out.length, true);
  view.setUint32(16, crc32(out.subarray(20)), true);
  return out;
}

/**
 * Checks the envelope of a model file and returns its header; throws
 * ModelFormatError naming the problem (truncated, not a model, newer
 * version, corrupted).
 */
export function readHeader(bytes: Uint8Array): ModelHeader {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ModelFormatError('not an xnorkit packed model (wrong magic bytes; expected a file written by `xnorkit export`)');
  }
  if (bytes.length < HEADER) throw new ModelFormatError(`truncated model file: ${bytes.length} bytes, the header alone is ${HEADER}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const version = u32(8);
  if (version > FORMAT_VERSION) {
    throw new ModelFormatError(`model file format version ${version} is newer than this xnorkit supports (${FORMAT_VERSION}); upgrade xnorkit`);
  }
  if (version < 1) throw new ModelFormatError(`invalid model file format version ${version}`);
  const total = u32(12);
  if (total > bytes.length) throw new ModelFormatError(`truncated model file: ${bytes.length} of ${total} bytes`);
  if (total < HEADER) throw new ModelFormatError(`corrupted model file: length field ${total} is smaller than the header`);
  const stored = u32(16);
  const actual = crc32(bytes.subarray(20, total));
  if (stored !== actual) {
    throw new ModelFormatError(`corrupted model file: checksum mismatch (stored CRC-32 ${hex(stored)}, computed ${hex(actual)})`);
  }
  const jsonLen = u32(40);
  const recStart = HEADER + Math.ceil(jsonLen / 4) * 4;
  if (recStart > total) throw new ModelFormatError('corrupted model file: metadata runs past the end');
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + jsonLen)));
  } catch {
    throw new ModelFormatError('corrupted model file: metadata is not valid UTF-8 JSON');
  }
  const layerCount = u32(36);
  const records: ModelHeader['records'] = [];
  let off = recStart;
  for (let i = 0; i < layerCount; i++) {
    if (off + 8 > total) throw new ModelFormatError(`corrupted model file: layer record ${i} of ${layerCount} is missing`);
    const op = u32(off), len = u32(off + 4);
    if (len < 8 || len % 4 !== 0 || off + len > total) {
      throw new ModelFormatError(`corrupted model file: layer record ${i} has a bad length (${len})`);
    }
    records.push({ offset: off, op: OP_NAMES[op] ?? `unknown opcode ${op}`, byteLength: len });
    off += len;
  }
  return {
    version, byteLength: total, inputShape: [u32(20), u32(24), u32(28)], outputs: u32(32), layerCount, meta, records,
  };
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

const STATUS: Record<number, string> = {
  [-1]: 'truncated model file',
  [-2]: 'not an xnorkit packed model (wrong magic bytes)',
  [-3]: 'model file format version is newer than this xnorkit supports',
  [-4]: 'corrupted model file: checksum mismatch',
  [-5]: 'corrupted model file: malformed layer record',
  [-6]: 'unsupported layer in model file (written by a newer xnorkit?)',
  [-7]: 'inconsistent model file: layer shapes or tensor kinds do not match',
  [-8]: 'model too large',
};

/** The error for a negative status of the WASM loader. */
export function statusError(status: number, record: number, header?: ModelHeader): ModelFormatError {
  const what = STATUS[status] ?? `model loader failed (status ${status})`;
  const where = record >= 0 ? ` (layer record ${record}${header?.records[record] ? `, ${header.records[record].op}` : ''})` : '';
  return new ModelFormatError(what + where);
}
