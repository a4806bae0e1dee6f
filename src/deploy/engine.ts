// The inference engine: a packed model loaded into the kernel module's
// memory (assembly/infer-plan.ts builds the plan) and run there
// (assembly/infer-exec.ts), the images split across the thread pool.
import { wasm } from '../wasm/module.js';
import { alloc, free, u8View, f32View, scratch } from '../wasm/memory.js';
import { threadCount, runParallel, splitRange, type Task } from '../wasm/threads.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../tensor/shape.js';
import { readHeader, statusError, type ModelHeader } from './format.js';
import { inputScalingOf, scaleBytes, type InputScaling } from './inputScaling.js';
import { pathArg } from '../ops/binary/output.js';
import { choosePath, log2Class } from '../ops/binary/tune.js';
import { runtime } from '../runtime/runtime.js';

type Ptr = number;

interface InferExports {
  inferPlanBytes(file: Ptr, len: number, verify: number): number;
  inferPlanBuild(file: Ptr, len: number, plan: Ptr): number;
  inferErrorRecord(): number;
  inferWorkspaceBytes(plan: Ptr, batch: number): number;
  inferRun(plan: Ptr, x: Ptr, n: number, out: Ptr, ws: Ptr, batch: number): void;
  inferRunPath(plan: Ptr, x: Ptr, n: number, out: Ptr, ws: Ptr, batch: number, path: number): void;
}

const k = () => wasm() as unknown as InferExports;

/** Images each layer processes at a time: activations of a sub-batch stay in L2. */
const SUB_BATCH = 16;
/** Calls whose images and logits fit in this many bytes reuse one block per model. */
const IO_BLOCK_MAX = 1 << 20;
/** Below this many images per thread, waking workers costs more than it saves. */
const MIN_PER_THREAD = 4;
/** Per-thread workspace names (scratch keys), built once. */
const scratchKey = (i: number): string => SCRATCH_KEYS[i] ?? `infer${i}`;
const SCRATCH_KEYS = Array.from({ length: 16 }, (_, i) => `infer${i}`);

export interface RunResult {
  /** [n, outputs] row-major: the model's output before any softmax. */
  logits: Float32Array;
  /** argmax of each row (first maximum). */
  predictions: Int32Array;
  n: number;
}

export interface RunOptions {
  /** Images per layer pass (default 16). Results do not depend on it. */
  subBatch?: number;
}

export class InferenceModel {
  readonly header: ModelHeader;
  readonly byteLength: number;
  /** The file's CRC-32: names the model in the kernel path tuning cache. */
  private readonly crc: number;
  private plan: Ptr = 0;
  private disposed = false;

  /** Checks and loads a packed model file (throws ModelFormatError). */
  constructor(bytes: Uint8Array) {
    this.header = readHeader(bytes);
    this.byteLength = this.header.byteLength;
    this.crc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(16, true);
    const len = this.header.byteLength;
    const file = alloc(len);
    try {
      u8View(file, len).set(bytes.subarray(0, len));
      // readHeader verified the CRC in JS; the loader checks everything else.
      // Main thread only: the plan builder walks the file with a static tensor
      // table in shared memory (assembly/infer-plan.ts), so plans must never be
      // built on two threads at once; workers only run finished plans.
      const need = k().inferPlanBytes(file, len, 0);
      if (need < 0) throw statusError(need, k().inferErrorRecord(), this.header);
      this.plan = alloc(need);
      const st = k().inferPlanBuild(file, len, this.plan);
      if (st < 0) {
        free(this.plan);
        throw statusError(st, k().inferErrorRecord(), this.header);
      }
    } finally {
      free(file);
    }
  }

  /** [H, W, C] of one input image. */
  get inputShape(): [number, number, number] {
    return this.header.inputShape;
  }

  get outputs(): number {
    return this.header.outputs;
  }

  get meta(): Record<string, unknown> {
    return this.header.meta;
  }

  /**
   * Logits and predicted classes of images [n, H, W, C] (NHWC f32, the
   * model's input normalisation already applied): a Float32Array of n whole
   * images or a Tensor (read in place).
   */
  run(images: Float32Array | Tensor, opts: RunOptions = {}): RunResult {
    if (this.disposed) throw new Error('InferenceModel: used after dispose()');
    const [H, W, C] = this.inputShape;
    const per = H * W * C;
    const size = images instanceof Tensor ? images.size : images.length;
    const wrongTensor = images instanceof Tensor && (images.rank !== 4 || images.shape[1] !== H || images.shape[2] !== W || images.shape[3] !== C);
    if (size % per !== 0 || wrongTensor) {
      const got = images instanceof Tensor ? `[${images.shape.join(', ')}]` : `${size} values`;
      throw new ShapeError(`InferenceModel.run: expected images [n, ${H}, ${W}, ${C}], got ${got}`);
    }
    const n = size / per;
    const K = this.outputs;
    // no larger than the batch: the workspace is B images of every live activation
    const B = Math.max(1, Math.min(Math.floor(opts.subBatch ?? SUB_BATCH), n));
    // small calls use the model's own block for images and logits: the
    // allocator's bookkeeping is a visible part of a batch-1 call
    const xBytes = images instanceof Tensor ? 0 : Math.ceil(size / 16) * 64;
    const ioBytes = xBytes + Math.max(1, n * K) * 4;
    const io = ioBytes <= IO_BLOCK_MAX ? this.ioBlock(ioBytes) : 0;
    let x: Ptr;
    let owned = false;
    if (images instanceof Tensor) x = images.ptr;
    else {
      x = io || alloc(size * 4);
      owned = io === 0;
      f32View(x, size).set(images);
    }
    const out = io ? io + xBytes : alloc(Math.max(1, n * K) * 4);
    try {
      const parts = Math.max(1, Math.min(threadCount(), Math.floor(n / MIN_PER_THREAD)));
      const ws = this.workspaceBytes(B);
      const cls = Math.min(log2Class(n), log2Class(B) + 1);
      // once the path is known no closure is made (batch-1 latency is mostly such per-call costs)
      const path = this.knownPath(cls) ?? this.tunePath(cls, (p) => this.runParts(x, n, out, ws, B, parts, p));
      this.runParts(x, n, out, ws, B, parts, path);
      const logits = f32View(out, n * K).slice();
      return { logits, predictions: argmaxRows(logits, n, K), n };
    } finally {
      if (!io) free(out);
      if (owned) free(x);
    }
  }

  // images [n] at x to logits at out, in `parts` parts: one part runs here,
  // with no task objects
  private runParts(x: Ptr, n: number, out: Ptr, wsBytes: number, B: number, parts: number, path: number): void {
    if (parts <= 1) {
      k().inferRunPath(this.plan, x, n, out, scratch(wsBytes, SCRATCH_KEYS[0]), B, path);
      return;
    }
    const [H, W, C] = this.inputShape;
    const per = H * W * C, K = this.outputs;
    const tasks = splitRange(n, parts).map(([s, e], i): Task => ({
      kernel: 'inferRunPath', args: [this.plan, x + s * per * 4, e - s, out + s * K * 4, scratch(wsBytes, scratchKey(i)), B, path],
    }));
    runParallel(tasks, (t) => (k().inferRunPath as (...a: number[]) => void)(...t.args));
  }

  private io = { ptr: 0, bytes: 0 };
  private ioBlock(bytes: number): Ptr {
    if (this.io.bytes < bytes) {
      if (this.io.ptr) free(this.io.ptr);
      this.io = { ptr: alloc(bytes), bytes };
    }
    return this.io.ptr;
  }

  // The workspace of the last sub-batch size asked for (the plan walk is not free at batch 1).
  private wsFor = { B: 0, bytes: 0 };
  private workspaceBytes(B: number): number {
    if (this.wsFor.B !== B) {
      const bytes = k().inferWorkspaceBytes(this.plan, B);
      if (bytes < 0) throw new Error('InferenceModel: workspace over 2 GiB; use a smaller subBatch');
      this.wsFor = { B, bytes };
    }
    return this.wsFor.bytes;
  }

  // The binary GEMMs' path for a batch class, tuned per model and batch class on this CPU (same
  // logits on every path), remembered per (class, threads) while the path setting stays 'auto'.
  private readonly paths = new Map<number, number>();
  private knownPath(cls: number): number | undefined {
    const { binaryPath, threads } = runtime().settings;
    return binaryPath !== 'auto' ? pathArg(binaryPath) : this.paths.get(cls * 4096 + threads);
  }
  private tunePath(cls: number, call: (path: number) => void): number {
    const path = pathArg(choosePath(undefined, `infer:${this.header.records.length}:${this.crc}:n${cls}`, (p) => call(pathArg(p))));
    this.paths.set(cls * 4096 + runtime().settings.threads, path);
    return path;
  }

  /** How raw 8-bit pixels become inputs (the file's meta.inputScaling, or the default for older files). */
  get inputScaling(): InputScaling {
    return inputScalingOf(this.meta);
  }

  /** Logits and classes of raw 8-bit images [n, H, W, C] (0..255), scaled as the file says. */
  runPixels(pixels: ArrayLike<number>, opts: RunOptions = {}): RunResult {
    return this.run(scaleBytes(pixels, this.inputScaling), opts);
  }

  /** Predicted classes only. */
  predict(images: Float32Array | Tensor): Int32Array {
    return this.run(images).predictions;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    free(this.plan);
    if (this.io.ptr) free(this.io.ptr);
    this.io = { ptr: 0, bytes: 0 };
  }
}

export function argmaxRows(v: Float32Array, n: number, K: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < K; j++) if (v[i * K + j] > v[i * K + best]) best = j;
    out[i] = best;
  }
  return out;
}
