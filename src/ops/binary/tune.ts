// The binary kernels' code path chosen on the running CPU. The four paths
// (scalar popcount, v128 SIMD, hybrid, carry-save planes) compute the same
// integers, so the choice changes speed only; which is fastest depends on
// the CPU and on the shape (bench/results/kernels.json, "paths", has the
// latest comparison on the benchmark machine). 'auto' therefore times the
// candidates on the caller's own operation the first time a shape class is
// seen, and keeps the winner in the runtime context (runtime().tuning), so
// later calls of the class pay nothing.
import { runtime } from '../../runtime/runtime.js';
import type { KernelPath } from './output.js';

export type ConcretePath = Exclude<KernelPath, 'auto'>;
export const CONCRETE_PATHS: readonly ConcretePath[] = ['scalar', 'v128', 'hybrid', 'csa'];

/** What tuning found for one shape class: the winner and each path's fastest sample, ms. */
export interface PathTuning {
  path: ConcretePath;
  ms: Record<ConcretePath, number>;
}

const KEY = 'binaryPath:';

/** ceil(log2(v)) for v >= 1: shapes within a factor of two share a class. */
export function log2Class(v: number): number {
  return 32 - Math.clz32(Math.max(1, Math.ceil(v)) - 1);
}

// Each sample is at least this long (tiny calls are repeated), and each
// path gets this many samples, interleaved with the others'. Paths are
// compared by their fastest sample: other processes only ever add time, so
// the minimum is the estimate least disturbed by a loaded machine.
const SAMPLE_MS = 1;
const SAMPLES = 7;
const WARMUP_MS = 3;

/**
 * The fastest path for the shape class `key` on this CPU: cached, or timed
 * now by calling run(path) for each candidate (run must be the real
 * operation, whose result does not depend on the path).
 */
export function tunedPath(key: string, run: (path: ConcretePath) => void): ConcretePath {
  const cache = runtime().tuning;
  const hit = cache.get(KEY + key) as PathTuning | undefined;
  if (hit) return hit.path;
  const reps = new Map<ConcretePath, number>();
  for (const p of CONCRETE_PATHS) {
    // Warm-up: touches the operands and gives the engine's tiering compiler
    // time to replace each path's baseline code (the first shape a process
    // meets is tuned on cold code, and paths warm at different rates).
    const w0 = performance.now();
    do run(p); while (performance.now() - w0 < WARMUP_MS);
    // sizing
    const t0 = performance.now();
    run(p);
    const once = performance.now() - t0;
    reps.set(p, Math.max(1, Math.min(1000, Math.ceil(SAMPLE_MS / Math.max(once, 1e-3)))));
  }
  const samples = new Map<ConcretePath, number[]>(CONCRETE_PATHS.map((p) => [p, []]));
  for (let s = 0; s < SAMPLES; s++) {
    for (const p of CONCRETE_PATHS) {
      const n = reps.get(p)!;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) run(p);
      samples.get(p)!.push((performance.now() - t0) / n);
    }
  }
  const ms = Object.fromEntries(CONCRETE_PATHS.map((p) => [p, Math.min(...samples.get(p)!)])) as Record<ConcretePath, number>;
  let best: ConcretePath = CONCRETE_PATHS[0];
  for (const p of CONCRETE_PATHS) if (ms[p] < ms[best]) best = p;
  cache.set(KEY + key, { path: best, ms } satisfies PathTuning);
  return best;
}

/**
 * The path a binary kernel call uses: the one it asks for, else the
 * runtime setting; 'auto' is the tuned path of the call's shape class.
 */
export function choosePath(requested: KernelPath | undefined, key: string, run: (path: ConcretePath) => void): ConcretePath {
  const p = requested ?? runtime().settings.binaryPath;
  return p === 'auto' ? tunedPath(`${key}:t${runtime().settings.threads}`, run) : p;
}

/** Every shape class tuned so far in this process, by key. */
export function tunedPaths(): Map<string, PathTuning> {
  const out = new Map<string, PathTuning>();
  for (const [k, v] of runtime().tuning) if (k.startsWith(KEY)) out.set(k.slice(KEY.length), v as PathTuning);
  return out;
}
