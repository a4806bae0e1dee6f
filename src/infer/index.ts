// xnorkit/infer: run a packed model (.xnk, docs/model-format.md) anywhere
// WebAssembly runs -- browsers, Node, Deno, workers -- with nothing else of
// xnorkit: model bytes in, class scores out.
//
//   import { loadModel } from 'xnorkit/infer';
//   const model = await loadModel(await (await fetch('mnist.xnk')).arrayBuffer());
//   const { classes, scores } = model.predict(pixels); // Uint8Array, 0..255
//
// It drives build/xnorkit-infer.wasm (embedded here as base64; also shipped
// as `xnorkit/build/xnorkit-infer.wasm`) through the C-style ABI of
// docs/inference-abi.md. Raw 8-bit inputs are scaled as the file's
// meta.inputScaling says (the default for files without it: byte/127.5 - 1).
import { ModelFormatError, ShapeError } from '../errors.js';
import { inputScalingOf, scaleBytes, type InputScaling } from '../deploy/inputScaling.js';
import { INFER_WASM_BASE64 } from './wasm.generated.js';

export { ModelFormatError, ShapeError } from '../errors.js';
export { DEFAULT_INPUT_SCALING, type InputScaling } from '../deploy/inputScaling.js';

/** The exports of build/xnorkit-infer.wasm (docs/inference-abi.md). */
export interface InferAbi {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  load_model(ptr: number, len: number): number;
  error_record(): number;
  max_batch(): number;
  input_ptr(): number;
  output_ptr(): number;
  classes_ptr(): number;
  input_height(): number;
  input_width(): number;
  input_channels(): number;
  num_outputs(): number;
  predict(n: number): number;
}

export interface Prediction {
  /** [n, numClasses] row-major: the model's logits (class scores before softmax). */
  scores: Float32Array;
  /** argmax of each row. */
  classes: Int32Array;
  n: number;
}

export type Bytes = ArrayBuffer | Uint8Array;
/** The inference module: default the embedded copy; or its bytes, a compiled module, or a URL. */
export type InferWasm = Bytes | WebAssembly.Module | URL | string;

const ERRORS: Record<number, string> = {
  [-1]: 'truncated file', [-2]: 'not an xnorkit packed model (wrong magic bytes)', [-3]: 'newer format version than this loader',
  [-4]: 'checksum mismatch (corrupted file)', [-5]: 'malformed layer record', [-6]: 'unsupported layer',
  [-7]: 'inconsistent shapes', [-8]: 'model too large', [-9]: 'out of memory', [-10]: 'no model loaded or bad batch size',
  [-11]: 'malformed graph (a record reads a tensor that is not an earlier record\'s output, or has the wrong number of inputs)',
};

function u8(b: Bytes): Uint8Array {
  return b instanceof Uint8Array ? b : new Uint8Array(b);
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let embedded: Promise<WebAssembly.Module> | null = null;

/** Compiles the inference module (the embedded copy by default; compiled once). */
export async function compileInferWasm(src?: InferWasm): Promise<WebAssembly.Module> {
  if (src === undefined) return (embedded ??= WebAssembly.compile(base64Bytes(INFER_WASM_BASE64)));
  if (src instanceof WebAssembly.Module) return src;
  if (typeof src === 'string' || src instanceof URL) {
    const res = await fetch(src);
    if (!res.ok) throw new Error(`xnorkit/infer: fetching ${src} failed: HTTP ${res.status}`);
    return WebAssembly.compile(await res.arrayBuffer());
  }
  return WebAssembly.compile(u8(src) as Uint8Array<ArrayBuffer>);
}

/** The JSON metadata of a packed model (bytes 44.. of the header). */
function readMeta(file: Uint8Array): Record<string, unknown> {
  if (file.length < 44) return {};
  const len = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(40, true);
  try {
    return JSON.parse(new TextDecoder().decode(file.subarray(44, 44 + len))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export class InferModel {
  readonly inputShape: [number, number, number];
  readonly numClasses: number;
  /** Images one predict() call takes at most per pass (larger inputs are run in passes). */
  readonly maxBatch: number;
  readonly meta: Record<string, unknown>;
  readonly inputScaling: InputScaling;

  /** Loads model bytes into an instance of the inference module (throws ModelFormatError). */
  constructor(module: WebAssembly.Module, model: Bytes) {
    const bytes = u8(model);
    const abi = new WebAssembly.Instance(module, {}).exports as unknown as InferAbi;
    const p = abi.alloc(bytes.length);
    if (!p) throw new ModelFormatError(`model of ${bytes.length} bytes does not fit in memory`);
    new Uint8Array(abi.memory.buffer, p, bytes.length).set(bytes);
    const st = abi.load_model(p, bytes.length);
    if (st !== 0) {
      const rec = abi.error_record();
      throw new ModelFormatError(`cannot load model: ${ERRORS[st] ?? `error ${st}`}${rec >= 0 && st <= -5 && st !== -9 && st !== -10 ? ` (layer record ${rec})` : ''}`);
    }
    this.abi = abi;
    this.inputShape = [abi.input_height(), abi.input_width(), abi.input_channels()];
    this.numClasses = abi.num_outputs();
    this.maxBatch = abi.max_batch();
    this.meta = readMeta(bytes);
    this.inputScaling = inputScalingOf(this.meta);
  }

  private readonly abi: InferAbi;

  /** Values in one image (H·W·C). */
  get imageSize(): number {
    return this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
  }

  /**
   * Class scores of one or more images, NHWC. 8-bit pixels (Uint8Array,
   * Uint8ClampedArray, 0..255) are scaled as the file's inputScaling says; a
   * Float32Array is taken as model inputs, already scaled.
   */
  predict(images: Uint8Array | Uint8ClampedArray | Float32Array): Prediction {
    const per = this.imageSize;
    if (images.length === 0 || images.length % per !== 0) {
      throw new ShapeError(`xnorkit/infer: expected n images of ${this.inputShape.join('x')} = ${per} values each, got ${images.length} values`);
    }
    const x = images instanceof Float32Array ? images : scaleBytes(images, this.inputScaling);
    const n = x.length / per, K = this.numClasses, B = this.maxBatch;
    const scores = new Float32Array(n * K);
    const classes = new Int32Array(n);
    for (let i = 0; i < n; i += B) {
      const m = Math.min(B, n - i);
      const buf = this.abi.memory.buffer;
      new Float32Array(buf, this.abi.input_ptr(), m * per).set(x.subarray(i * per, (i + m) * per));
      const st = this.abi.predict(m);
      if (st !== 0) throw new Error(`xnorkit/infer: predict failed: ${ERRORS[st] ?? st}`);
      scores.set(new Float32Array(buf, this.abi.output_ptr(), m * K), i * K);
      classes.set(new Int32Array(buf, this.abi.classes_ptr(), m), i);
    }
    return { scores, classes, n };
  }
}

/** Loads a packed model: its bytes (or a Response / URL to fetch). */
export async function loadModel(model: Bytes | Response | URL | string, opts: { wasm?: InferWasm } = {}): Promise<InferModel> {
  const module = await compileInferWasm(opts.wasm);
  let bytes: Bytes;
  if (typeof model === 'string' || model instanceof URL) {
    const res = await fetch(model);
    if (!res.ok) throw new ModelFormatError(`${model}: HTTP ${res.status}`);
    bytes = await res.arrayBuffer();
  } else if (typeof Response !== 'undefined' && model instanceof Response) bytes = await model.arrayBuffer();
  else bytes = model as Bytes;
  return new InferModel(module, bytes);
}

/** Softmax of each row of scores: class probabilities. */
export function softmax(scores: Float32Array, numClasses: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let r = 0; r < scores.length; r += numClasses) {
    let max = -Infinity;
    for (let j = 0; j < numClasses; j++) max = Math.max(max, scores[r + j]);
    let sum = 0;
    for (let j = 0; j < numClasses; j++) sum += out[r + j] = Math.exp(scores[r + j] - max);
    for (let j = 0; j < numClasses; j++) out[r + j] /= sum;
  }
  return out;
}
