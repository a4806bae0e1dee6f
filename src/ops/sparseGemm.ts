// conv2d's two backward products when its output gradient g is mostly exact
// zeros (behind a max-pool only one pixel of each window gets a gradient):
// the weight gradient colsᵀ·g and the input-patch gradient g·Wᵀ. The sparse
// kernels skip the zero terms and give results bit-identical to gemm's (see
// assembly/sgemmSparse.ts), so choosing them changes speed only. The weight
// gradient reads its patches straight from the input, so a layer whose
// forward did not need the patch matrix (the XNOR path) never builds it.
import { wasm } from '../wasm/module.js';
import { allocZeroed, free, f32View } from '../wasm/memory.js';
import type { WindowGeometry } from './convGeometry.js';
import { splitCall } from './parallel.js';
import { runtime, configureRuntime } from '../runtime/runtime.js';

// Below this many multiply-adds (dense-equivalent) a product stays on one thread, as in gemm.ts.
const PARALLEL_MIN_MACS = 1 << 17;

/**
 * The sparse kernels are used at or below this fraction of non-zeros in g.
 * bench/sparse-grad.ts (BENCHMARKS.md) on the larq-mnist conv shapes: they
 * break even near 0.5 and are about 1.4x faster at 0.35, 1.9x at 0.25 (what
 * a 2x2 max-pool leaves), 3.6x at 0.1.
 */
export const SPARSE_MAX_DENSITY = 0.4;
/**
 * Per listed term the kernels run over a patch row (KH·KW·C floats) in
 * strips of 24 or fewer channels; with few input channels the bookkeeping outweighs
 * the skipped work (measured: C = 1, the MNIST first layer, is 3x slower;
 * C = 32 and 64 are faster).
 */
export const SPARSE_MIN_CHANNELS = 32;

const decisions = { sparse: 0, dense: 0 };
/** How many conv2d backward passes took the sparse kernels and how many gemm, since start. */
export function sparseBackwardStats(): { sparse: number; dense: number } {
  return { ...decisions };
}

/** Turns the sparse backward kernels on (default) or off for the process (runtime().configure({ sparseBackward })); results are identical, only speed differs. */
export function setSparseBackward(on: boolean): void {
  configureRuntime({ sparseBackward: on });
}

/** Fraction of the n floats at ptr that are not zero (NaN counts as non-zero). */
export function density(ptr: number, n: number): number {
  return n === 0 ? 0 : wasm().countNonzeros(ptr, n) / n;
}

/** Whether conv2d's backward should use the sparse kernels for output gradient g. */
export function useSparseBackward(g: number, geo: WindowGeometry, OC: number): boolean {
  const sparse = runtime().settings.sparseBackward && geo.C >= SPARSE_MIN_CHANNELS && density(g, geo.N * geo.OH * geo.OW * OC) <= SPARSE_MAX_DENSITY;
  decisions[sparse ? 'sparse' : 'dense']++;
  return sparse;
}

/** C[M,N] = G[M,K]·B[N,K]ᵀ, G sparse: the patch gradient g·Wᵀ with B = W [KH·KW·C, OC]. Rows split across threads. */
export function gemmSparseNT(M: number, N: number, K: number, G: number, B: number, C: number): void {
  splitCall('sgemmSparseNT', M, 1, M * N * K, wasm().sgemmSparseNTWorkspaceBytes(N, K), (s, e, ws) =>
    [e - s, N, K, G + 4 * s * K, K, B, K, C + 4 * s * N, N, ws], PARALLEL_MIN_MACS);
}

/**
 * dX (NHWC at ptr dx, overwritten) = col2im(g·Wᵀ) for sparse output gradient
 * g and kernel w [KH·KW·C, OC], without the patch-gradient matrix: each row
 * goes onto dX as soon as it is computed, in col2im's order (bit-identical
 * to gemmSparseNT + col2im). Images split across threads, as col2im's are.
 */
export function convInputGradSparse(g: number, geo: WindowGeometry, OC: number, w: number, dx: number): void {
  const { N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = geo;
  const K = KH * KW * C;
  const xImg = 4 * H * W * C, gImg = 4 * OH * OW * OC;
  splitCall('convInputGradSparse', N, 1, N * OH * OW * OC * K, wasm().convInputGradSparseWorkspaceBytes(K, OC),
    (s, e, ws) => [g + s * gImg, OC, w, e - s, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW, dx + s * xImg, ws], PARALLEL_MIN_MACS);
}

/**
 * dW [KH·KW·C, OC] = colsᵀ·g for input x (NHWC at ptr x) and sparse output
 * gradient g, without cols. The kernel reads whole windows, so a padded
 * convolution gets a zero-padded copy of x. Output channels split across
 * threads (each workspace sized for all of them, a bound on any range).
 */
export function convWeightGradSparse(x: number, geo: WindowGeometry, g: number, OC: number, dw: number): void {
  const { N, C, KH, KW, SH, SW, OH, OW } = geo;
  const K = KH * KW * C;
  const xp = zeroPadded(x, geo);
  splitCall('convWeightGradSparse', OC, 1, N * OH * OW * OC * K, wasm().convWeightGradSparseWorkspaceBytes(K, OC),
    (s, e, ws) => [xp.ptr, N, xp.H, xp.W, C, KH, KW, SH, SW, OH, OW, g, OC, dw, s, e, ws], PARALLEL_MIN_MACS);
  if (xp.ptr !== x) free(xp.ptr);
}

/** x itself when the geometry has no padding, else a new zero-padded copy (the caller frees it). */
function zeroPadded(x: number, geo: WindowGeometry): { ptr: number; H: number; W: number } {
  const { N, H, W, C, PT, PB, PL, PR } = geo;
  if (PT + PB + PL + PR === 0) return { ptr: x, H, W };
  const HP = H + PT + PB, WP = W + PL + PR;
  const ptr = allocZeroed(4 * N * HP * WP * C);
  const src = f32View(x, N * H * W * C), dst = f32View(ptr, N * HP * WP * C);
  const row = W * C;
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      const from = (n * H + h) * row;
      dst.set(src.subarray(from, from + row), ((n * HP + h + PT) * WP + PL) * C);
    }
  }
  return { ptr, H: HP, W: WP };
}
