// A small pool of worker threads that run kernels on the same shared linear
// memory. A parallel kernel call is split by the caller into independent
// tasks (e.g. row blocks of a GEMM); task 0 runs on the calling thread, the
// others on workers, and the call returns when all are done. The split
// depends only on the shapes and the thread count, never on timing, so runs
// stay bit-reproducible.
//
// Workers are woken through a SharedArrayBuffer mailbox with Atomics.wait /
// notify rather than postMessage: a GEMM of a training step takes tens of
// microseconds to a few milliseconds, too short for message-queue latency.
//
// Workers come from the platform (src/platform): Node worker_threads, or Web
// Workers in a browser, where they start asynchronously (prepareThreads, called
// by init()) and only when the page is cross-origin isolated.
import { platform, type KernelWorker } from '#platform';
import { wasmMemory, wasmModule } from './module.js';
import { runtime, configureRuntime } from '../runtime/runtime.js';

export interface Task {
  kernel: string;
  args: number[];
}

// Mailbox layout per worker (Int32 slots): [seq, done, kernelNameIndex, argc], then f64 args.
const SEQ = 0;
const DONE = 1;
const KERNEL = 2;
const ARGC = 3;
const HEADER_BYTES = 16;
const MAX_ARGS = 32;
/** How long a thread polls for the next task (or a worker's result) before it sleeps, ms. */
const SPIN_MS = 1;

// The worker's body; the platform defines `workerInit` ahead of it.
const WORKER_SOURCE = `
const { module, memory, mailbox, names } = workerInit;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const ex = instance.exports;
/*READY*/
const ctl = new Int32Array(mailbox, 0, 4);
const args = new Float64Array(mailbox, ${HEADER_BYTES}, ${MAX_ARGS});
let seen = 0;
for (;;) {
  // spin a little before sleeping: kernels come in quick succession, and
  // waking a sleeping thread costs a futex round trip (0.1-0.3 ms measured
  // on a 2-vCPU VM), longer than many kernels take
  const t0 = performance.now();
  while (Atomics.load(ctl, ${SEQ}) === seen && performance.now() - t0 < ${SPIN_MS}) {}
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (seen < 0) break;
  const fn = ex[names[ctl[${KERNEL}]]];
  const argc = ctl[${ARGC}];
  try {
    fn(...Array.from(args.subarray(0, argc)));
    Atomics.store(ctl, ${DONE}, seen);
  } catch (e) {
    Atomics.store(ctl, ${DONE}, -seen);
  }
  Atomics.notify(ctl, ${DONE});
}
`;

interface PoolWorker {
  worker: KernelWorker;
  ctl: Int32Array;
  args: Float64Array;
  seq: number;
}

let workers: PoolWorker[] = [];
let kernelNames: string[] = [];
const kernelIndex = new Map<string, number>();

function indexOfKernel(name: string): number {
  const i = kernelIndex.get(name);
  if (i === undefined) throw new Error(`threads: kernel "${name}" is not exported by the module`);
  return i;
}

/**
 * Number of threads kernels may use now (runtime().settings.threads); the
 * pool is resized to it here, so a settings change takes effect at the next
 * kernel call. In a browser the pool is the one prepareThreads started (one
 * thread without cross-origin isolation); results do not depend on it.
 */
export function threadCount(): number {
  const n = runtime().settings.threads;
  if (!platform.syncWorkers) return Math.min(n, workers.length + 1);
  if (n > workers.length + 1) growPool(n);
  return n;
}

/**
 * Starts the workers for `n` threads and waits until they are ready: needed in
 * browsers, where a worker cannot start while the caller blocks (init() calls
 * it). Returns the number of threads available, 1 without shared memory.
 */
export async function prepareThreads(n: number): Promise<number> {
  if (!platform.sharedMemory() || n <= 1) return 1;
  if (workers.length + 1 < n) {
    growPool(n);
    await Promise.all(workers.map((w) => w.worker.ready));
  }
  return workers.length + 1;
}

/** Sets the number of threads (including the caller's) for the process: runtime().configure({ threads: n }). */
export function setThreads(n: number): void {
  configureRuntime({ threads: n });
  threadCount();
}

/**
 * Workers are started when first needed and kept (idle ones sleep on a
 * futex), so that scoping a lower thread count for one call costs nothing.
 */
function growPool(n: number): void {
  stopWorkers();
  const module = wasmModule();
  const memory = wasmMemory();
  kernelNames = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  kernelIndex.clear();
  kernelNames.forEach((name, i) => kernelIndex.set(name, i));
  for (let i = 0; i < n - 1; i++) {
    const mailbox = new SharedArrayBuffer(HEADER_BYTES + 8 * MAX_ARGS);
    const worker = platform.startKernelWorker(WORKER_SOURCE, { module, memory, mailbox, names: kernelNames });
    workers.push({ worker, ctl: new Int32Array(mailbox, 0, 4), args: new Float64Array(mailbox, HEADER_BYTES, MAX_ARGS), seq: 0 });
  }
}

function stopWorkers(): void {
  for (const w of workers) {
    Atomics.store(w.ctl, SEQ, -1);
    Atomics.notify(w.ctl, SEQ);
    w.worker.terminate();
  }
  workers = [];
}

/**
 * Runs tasks[0] on this thread and tasks[1..] on workers, returning when all
 * finished. tasks.length must not exceed threadCount(). Tasks must write
 * disjoint memory.
 */
export function runParallel(tasks: Task[], runLocal: (t: Task) => void): void {
  if (tasks.length > threadCount()) {
    throw new Error(`runParallel: ${tasks.length} tasks for ${threadCount()} threads`);
  }
  for (let i = 1; i < tasks.length; i++) {
    const w = workers[i - 1];
    const t = tasks[i];
    if (t.args.length > MAX_ARGS) throw new Error(`runParallel: too many arguments for ${t.kernel}`);
    w.ctl[KERNEL] = indexOfKernel(t.kernel);
    w.ctl[ARGC] = t.args.length;
    w.args.set(t.args);
    w.seq++;
    Atomics.store(w.ctl, SEQ, w.seq);
    Atomics.notify(w.ctl, SEQ);
  }
  runLocal(tasks[0]);
  let failed = '';
  // a browser's main thread may not block: it polls
  const block = platform.canBlock();
  for (let i = 1; i < tasks.length; i++) {
    const w = workers[i - 1];
    const t0 = performance.now();
    for (;;) {
      const d = Atomics.load(w.ctl, DONE);
      if (d === w.seq) break;
      if (d === -w.seq) {
        failed = tasks[i].kernel;
        break;
      }
      if (block && performance.now() - t0 >= SPIN_MS) Atomics.wait(w.ctl, DONE, d, 1000);
    }
  }
  if (failed) throw new Error(`threads: kernel ${failed} failed in a worker`);
}

/** Splits [0, n) into `parts` contiguous ranges whose starts are multiples of `align`. */
export function splitRange(n: number, parts: number, align = 1): [number, number][] {
  const ranges: [number, number][] = [];
  const units = Math.ceil(n / align);
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const endUnits = Math.round(((p + 1) * units) / parts);
    const end = Math.min(n, endUnits * align);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}
