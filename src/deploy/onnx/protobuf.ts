// The few ONNX protobuf messages an exported model needs (onnx/onnx.proto3),
// written by hand: varints, length-delimited fields, little-endian raw
// tensor data. Field numbers as in onnx.proto; nothing is read back here.

/** A protobuf message under construction: fields appended in any order. */
export class Message {
  private parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private key(field: number, wire: number): void {
    this.push(varint(field * 8 + wire));
  }

  /** int32/int64/enum (non-negative or negative: negative ints as 10-byte two's complement). */
  int(field: number, v: number): this {
    this.key(field, 0);
    this.push(v < 0 ? negativeVarint(v) : varint(v));
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.push(varint(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Message): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated int64 (ints, dims). */
  packedInts(field: number, vs: readonly number[]): this {
    const parts = vs.map((v) => (v < 0 ? negativeVarint(v) : varint(v)));
    const len = parts.reduce((a, p) => a + p.length, 0);
    const b = new Uint8Array(len);
    let o = 0;
    for (const p of parts) {
      b.set(p, o);
      o += p.length;
    }
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function varint(v: number): Uint8Array {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`protobuf: varint of ${v}`);
  const out: number[] = [];
  let x = v;
  while (x >= 0x80) {
    out.push((x % 0x80) | 0x80);
    x = Math.floor(x / 0x80);
  }
  out.push(x);
  return Uint8Array.from(out);
}

function negativeVarint(v: number): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Uint8Array.from(out);
}

// onnx.proto enums
export const FLOAT = 1;
export const INT64 = 7;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** TensorProto with raw little-endian data. */
export function tensorProto(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): Message {
  const raw = new Uint8Array(data.byteLength);
  const view = new DataView(raw.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  const m = new Message().packedInts(1, dims).int(2, data instanceof Float32Array ? FLOAT : INT64).string(8, name);
  return m.bytes(9, raw);
}

export type AttrValue = number | string | readonly number[] | { float: number };

function attribute(name: string, v: AttrValue): Message {
  const m = new Message().string(1, name);
  if (typeof v === 'string') return m.string(4, v).int(20, ATTR.STRING);
  if (typeof v === 'number') return m.int(3, v).int(20, ATTR.INT);
  if (Array.isArray(v)) return m.packedInts(8, v as number[]).int(20, ATTR.INTS);
  return m.float(2, (v as { float: number }).float).int(20, ATTR.FLOAT);
}

export function nodeProto(op: string, inputs: readonly string[], outputs: readonly string[], name: string,
  attrs: Record<string, AttrValue> = {}): Message {
  const m = new Message();
  for (const i of inputs) m.string(1, i);
  for (const o of outputs) m.string(2, o);
  m.string(3, name).string(4, op);
  for (const [k, v] of Object.entries(attrs)) m.message(5, attribute(k, v));
  return m;
}

/** ValueInfoProto of a float tensor; string dims are symbolic (e.g. 'N'). */
export function valueInfo(name: string, dims: readonly (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'string' ? new Message().string(2, d) : new Message().int(1, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

export interface GraphParts {
  name: string;
  nodes: Message[];
  initializers: Message[];
  inputs: Message[];
  outputs: Message[];
}

/** ModelProto: IR version 8, the default domain at `opset`. */
export function modelProto(g: GraphParts, opset: number, producer: { name: string; version: string }): Uint8Array {
  const graph = new Message();
  for (const n of g.nodes) graph.message(1, n);
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, t);
  for (const i of g.inputs) graph.message(11, i);
  for (const o of g.outputs) graph.message(12, o);
  return new Message()
    .int(1, 8)
    .string(2, producer.name)
    .string(3, producer.version)
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, opset))
    .finish();
}
