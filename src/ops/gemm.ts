// The one place ops call the float GEMM kernel, so that workspace handling
// (and, later, splitting across threads) lives in one spot.
import { wasm } from '../wasm/module.js';
import { scratch } from '../wasm/memory.js';

/**
 * Row-major C[M,N] = op(A)·op(B) (+ C when accumulate). A is [M,K] or, with
 * transA, [K,M]; B is [K,N] or, with transB, [N,K]. Leading dimensions are
 * the stored row lengths.
 */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: number, B: number, C: number, accumulate = false): void {
  if (M === 0 || N === 0) return;
  const k = wasm();
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const ws = scratch(k.sgemmWorkspaceBytes(M, N, K), 'gemm');
  k.sgemm(transA ? 1 : 0, transB ? 1 : 0, M, N, K, 1, A, lda, B, ldb, accumulate ? 1 : 0, C, N, ws);
}
