// The packed inference model file (.xnk) — specified in docs/model-format.md.
// Version 1 is a chain of layer records; version 2 (graph form) gives every
// record the list of tensors it reads (0 = the model input, i + 1 = record
// i's output), so residual adds and concatenations can be expressed, and
// adds the graph opcodes. Chains of version-1 ops are still written as
// version 1, byte for byte as before. This module writes both and checks a
// file's envelope (magic, version, length, CRC-32, record framing, the graph's
// inputs) with errors that say what is wrong; assembly/infer-plan.ts reads
// the records.
import { ModelFormatError } from '../nn/serialize.js';
import { CompileError } from '../errors.js';
import { crc32 } from '../util/crc32.js';
export { crc32 } from '../util/crc32.js';

export const MAGIC = Uint8Array.of(0x89, 0x58, 0x4e, 0x4b, 0x0d, 0x0a, 0x1a, 0x0a); // "\x89XNK\r\n\x1a\n"
/** The newest version this xnorkit reads and writes (2: graph form). */
export const FORMAT_VERSION = 2;
/** The version of files whose records form a chain of version-1 ops. */
export const CHAIN_FORMAT_VERSION = 1;
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
  | { op: 'activation'; kind: 'relu' | 'hard_tanh' | 'sign' }
  | { op: 'sign' }
  | { op: 'dorefa2' }
  | { op: 'flatten' }
  // graph form (version 2) only:
  | { op: 'add' }
  | { op: 'concat' }
  | { op: 'avgpool'; KH: number; KW: number; strides: [number, number]; pad: Pad4 }
  | { op: 'pad'; pad: Pad4; value: number }
  | { op: 'reshape'; shape: [number, number, number] }
  | { op: 'prelu'; alpha: Float32Array }
  | { op: 'leaky_relu'; alpha: number }
  | {
    op: 'depthwise'; KH: number; KW: number; multiplier: number; strides: [number, number]; pad: Pad4;
    /** [KH, KW, C, multiplier] f32 (already quantized). */
    weights: Float32Array; scale?: Float32Array; shift?: Float32Array;
  };

export const OPCODES = {
  conv: 1, pool: 2, affine: 3, activation: 4, sign: 5, dorefa2: 6, flatten: 7,
  add: 8, concat: 9, avgpool: 10, pad: 11, reshape: 12, prelu: 13, leaky_relu: 14, depthwise: 15,
} as const;
/** Opcodes a version-1 reader knows. */
const CHAIN_OPS = new Set<string>(['conv', 'pool', 'affine', 'activation', 'sign', 'dorefa2', 'flatten']);
const ACTIVATION_CODE = { relu: 1, hard_tanh: 2, sign: 3 } as const;
const KIND_CODE: Record<TensorKind | WeightKind, number> = { float: 0, bits: 1, sign: 1, codes2: 2 };
const OP_NAMES = Object.fromEntries(Object.entries(OPCODES).map(([k, v]) => [v, k])) as Record<number, string>;

/** The number of tensors a record of this op reads in graph form (docs/model-format.md): 2 for add and concat, 1 for every other op. */
export function opArity(op: string): number {
  return op === 'add' || op === 'concat' ? 2 : 1;
}

export interface ModelHeader {
  version: number;
  byteLength: number;
  inputShape: [number, number, number];
  outputs: number;
  layerCount: number;
  meta: Record<string, unknown>;
  /** Byte offset and opcode name of each layer record, and (version 2) the tensors it reads: 0 the input, i + 1 record i. */
  records: { offset: number; op: string; byteLength: number; inputs: number[] }[];
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
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
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

function writeRecord(s: Sink, r: LayerRecord, inputs: readonly number[] | null): void {
  const start = s.length;
  s.u32(OPCODES[r.op]);
  s.u32(0); // length, patched below
  if (inputs) {
    s.u32(inputs.length);
    for (const i of inputs) s.u32(i);
  }
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
      s.u32(ACTIVATION_CODE[r.kind]);
      break;
    case 'avgpool':
      for (const v of [r.KH, r.KW, r.strides[0], r.strides[1], r.pad.top, r.pad.bottom, r.pad.left, r.pad.right]) s.u32(v);
      break;
    case 'pad':
      for (const v of [r.pad.top, r.pad.bottom, r.pad.left, r.pad.right]) s.u32(v);
      s.f32(r.value);
      break;
    case 'reshape':
      for (const v of r.shape) s.u32(v);
      break;
    case 'prelu':
      s.u32(r.alpha.length);
      s.f32s(r.alpha);
      break;
    case 'leaky_relu':
      s.f64(r.alpha);
      break;
    case 'depthwise':
      for (const v of [r.KH, r.KW, r.multiplier, r.strides[0], r.strides[1], r.pad.top, r.pad.bottom, r.pad.left, r.pad.right]) s.u32(v);
      s.u32((r.scale ? 1 : 0) | (r.shift ? 2 : 0));
      s.f32s(r.weights);
      if (r.scale) s.f32s(r.scale);
      if (r.shift) s.f32s(r.shift);
      break;
    default:
      break;
  }
  s.setU32(start + 4, s.length - start);
}

/** True when the records are a chain of version-1 ops (record i reads record i - 1's output). */
export function isChainOfV1(records: readonly LayerRecord[], inputs?: readonly (readonly number[])[]): boolean {
  return records.every((r, i) => CHAIN_OPS.has(r.op) && (r.op !== 'activation' || r.kind !== 'sign')
    && (!inputs || (inputs[i].length === 1 && inputs[i][0] === i)));
}

/**
 * Serialises a model: header, JSON metadata, layer records, CRC-32. With
 * `inputs` (per record, the tensors it reads: 0 the model input, i + 1
 * record i's output) the file is written in graph form (version 2), unless
 * the records are a chain of version-1 ops, which keep version 1.
 */
export function writeModel(inputShape: [number, number, number], outputs: number, records: LayerRecord[],
  meta: Record<string, unknown>, inputs?: readonly (readonly number[])[]): Uint8Array {
  if (inputs && inputs.length !== records.length) throw new Error(`writeModel: ${inputs.length} input lists for ${records.length} records`);
  const graph = !isChainOfV1(records, inputs);
  if (graph && !inputs) {
    const i = records.findIndex((r) => !isChainOfV1([r]));
    throw new CompileError(`writeModel: record ${i} (${records[i].op}) needs the graph form, but no input lists were given (pass \`inputs\`: the tensors each record reads)`);
  }
  if (graph && inputs) {
    // graph form: every record needs its own input list of the op's arity (readers reject anything else)
    records.forEach((r, i) => {
      if (inputs[i].length !== opArity(r.op)) {
        throw new CompileError(`writeModel: record ${i} (${r.op}) reads ${inputs[i].length} tensors; ${r.op} reads ${opArity(r.op)}`);
      }
      const bad = inputs[i].find((t) => !Number.isInteger(t) || t < 0 || t > i);
      if (bad !== undefined) throw new CompileError(`writeModel: record ${i} (${r.op}) reads tensor ${bad}, which is not an earlier tensor (0 the input, ${i} the latest)`);
    });
  }
  const s = new Sink();
  s.bytes(MAGIC);
  s.u32(graph ? FORMAT_VERSION : CHAIN_FORMAT_VERSION);
  s.u32(0); // total length
  s.u32(0); // CRC
  for (const v of [...inputShape, outputs, records.length]) s.u32(v);
  const json = new TextEncoder().encode(JSON.stringify(meta));
  s.u32(json.length);
  s.bytes(json);
  s.align4();
  records.forEach((r, i) => writeRecord(s, r, graph && inputs ? inputs[i] : null));
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
    const name = OP_NAMES[op];
    const inputs = version >= 2 ? graphInputs(view, off, len, i, name) : [i];
    records.push({ offset: off, op: name ?? `unknown opcode ${op}`, byteLength: len, inputs });
    off += len;
  }
  return {
    version, byteLength: total, inputShape: [u32(20), u32(24), u32(28)], outputs: u32(32), layerCount, meta, records,
  };
}

/**
 * Record i's input list (graph form): as many as the op reads (opArity; an
 * unknown op, which the loader refuses anyway, 1 to 16), each an earlier
 * tensor, within the record.
 */
function graphInputs(view: DataView, off: number, len: number, i: number, op: string | undefined): number[] {
  if (len < 12) throw new ModelFormatError(`corrupted model file: layer record ${i} has no input list`);
  const n = view.getUint32(off + 8, true);
  if (n < 1 || n > 16 || 12 + 4 * n > len) {
    throw new ModelFormatError(`malformed graph: layer record ${i} claims ${n} inputs (1 to 16 fitting in the record)`);
  }
  if (op !== undefined && n !== opArity(op)) {
    throw new ModelFormatError(`malformed graph: layer record ${i} (${op}) claims ${n} inputs; ${op} reads ${opArity(op)}`);
  }
  const inputs: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = view.getUint32(off + 12 + 4 * k, true);
    if (t > i) {
      throw new ModelFormatError(`malformed graph: layer record ${i} reads tensor ${t}, which is not an earlier record's output (0 is the input, ${i} the latest)`);
    }
    inputs.push(t);
  }
  return inputs;
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
  [-11]: 'malformed graph: a record reads a tensor that is not an earlier record\'s output, or has the wrong number of inputs',
};

/** The error for a negative status of the WASM loader. */
export function statusError(status: number, record: number, header?: ModelHeader): ModelFormatError {
  const what = STATUS[status] ?? `model loader failed (status ${status})`;
  const where = record >= 0 ? ` (layer record ${record}${header?.records[record] ? `, ${header.records[record].op}` : ''})` : '';
  return new ModelFormatError(what + where);
}
