// conv2d's two backward products when its output gradient g is mostly exact
// zeros (behind a max-pool only one pixel of each window gets a gradient):
// the weight gradient colsᵀ·g and the input-patch gradient g·Wᵀ. The sparse
// kernels skip the zero terms and give results bit-identical to gemm's (see
// assembly/sgemmSparse.ts), so choosing them changes speed only. The weight
// gradient reads its patches straight from the input, so a layer whose
// forward did not need the patch matrix (the XNOR path) never builds it.
import { wasm } from '../wasm/module.js';
import { scratch } from '../wasm/memory.js';
import { threadCount, runParallel, splitRange, type Task } from '../wasm/threads.js';
import type { WindowGeometry } from './convGeometry.js';

/**
 * The sparse kernels are used at or below this fraction of non-zeros in g.
 * bench/sparse-grad.ts (BENCHMARKS.md) on the larq-mnist conv shapes: they
 * break even near 0.5 and are about 1.4x faster at 0.35, 1.9x at 0.25 (what
 * a 2x2 max-pool leaves), 3.6x at 0.1.
 */
export const SPARSE_MAX_DENSITY = 0.4;
/**
 * Per listed term the kernels run over a patch row (KH·KW·C floats) in
 * strips of 32 channels; with few input channels the bookkeeping outweighs
 * the skipped work (measured: C = 1, the MNIST first layer, is 3x slower;
 * C = 32 and 64 are faster).
 */
export const SPARSE_MIN_CHANNELS = 32;

const decisions = { sparse: 0, dense: 0 };
/** How many conv2d backward passes took the sparse kernels and how many gemm, since start. */
export function sparseBackwardStats(): { sparse: number; dense: number } {
  return { ...decisions };
}

let enabled = true;

/** Turns the sparse backward kernels on (default) or off; results are identical, only speed differs. */
export function setSparseBackward(on: boolean): void {
  enabled = on;
}

/** Fraction of the n floats at ptr that are not zero (NaN counts as non-zero). */
export function density(ptr: number, n: number): number {
  return n === 0 ? 0 : wasm().countNonzeros(ptr, n) / n;
}

/** Whether conv2d's backward should use the sparse kernels for output gradient g. */
export function useSparseBackward(g: number, geo: WindowGeometry, OC: number): boolean {
  const sparse = enabled && geo.C >= SPARSE_MIN_CHANNELS && density(g, geo.N * geo.OH * geo.OW * OC) <= SPARSE_MAX_DENSITY;
  decisions[sparse ? 'sparse' : 'dense']++;
  return sparse;
}

/** C[M,N] = G[M,K]·B[N,K]ᵀ, G sparse: the patch gradient g·Wᵀ with B = W [KH·KW·C, OC]. */
export function gemmSparseNT(M: number, N: number, K: number, G: number, B: number, C: number): void {
  const k = wasm();
  const wsBytes = k.sgemmSparseNTWorkspaceBytes(N, K);
  const ranges = splitRange(M, threadCount(), 1);
  if (ranges.length <= 1 || M * N * K < 1 << 17) {
    k.sgemmSparseNT(M, N, K, G, K, B, K, C, N, scratch(wsBytes, 'gemm0'));
    return;
  }
  const tasks: Task[] = ranges.map(([s, e], i) => ({
    kernel: 'sgemmSparseNT',
    args: [e - s, N, K, G + 4 * s * K, K, B, K, C + 4 * s * N, N, scratch(wsBytes, `gemm${i}`)],
  }));
  runParallel(tasks, (t) => (k.sgemmSparseNT as (...a: number[]) => void)(...t.args));
}

/** dW [KH·KW·C, OC] = colsᵀ·g for input x (NHWC at ptr x) and sparse output gradient g, without cols. */
export function convWeightGradSparse(x: number, geo: WindowGeometry, g: number, OC: number, dw: number): void {
  const k = wasm();
  const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = geo;
  const K = KH * KW * C;
  const ranges = splitRange(OC, threadCount(), 1);
  const args = (c0: number, c1: number, ws: number) =>
    [x, N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, g, OC, dw, c0, c1, ws];
  if (ranges.length <= 1 || N * OH * OW * OC * K < 1 << 17) {
    k.convWeightGradSparse(...(args(0, OC, scratch(k.convWeightGradSparseWorkspaceBytes(K, OC), 'gemm0')) as
      Parameters<typeof k.convWeightGradSparse>));
    return;
  }
  const tasks: Task[] = ranges.map(([s, e], i) => ({
    kernel: 'convWeightGradSparse',
    args: args(s, e, scratch(k.convWeightGradSparseWorkspaceBytes(K, e - s), `gemm${i}`)),
  }));
  runParallel(tasks, (t) => (k.convWeightGradSparse as (...a: number[]) => void)(...t.args));
}
