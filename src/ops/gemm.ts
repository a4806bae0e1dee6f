// The one place ops call the float GEMM kernel: workspace handling and the
// split of large products across threads (row blocks of C, or column blocks
// when C is wide and short) live here.
import { wasm } from '../wasm/module.js';
import { scratch } from '../wasm/memory.js';
import { threadCount, runParallel, splitRange, type Task } from '../wasm/threads.js';

// Below this many multiply-adds a product is not worth waking a worker for.
const PARALLEL_MIN_MACS = 1 << 17;
// Block starts stay multiples of this so the kernel's register tiles line up.
const SPLIT_ALIGN = 16;

/**
 * Row-major C[M,N] = op(A)·op(B) (+ C when accumulate). A is [M,K] or, with
 * transA, [K,M]; B is [K,N] or, with transB, [N,K].
 */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: number, B: number, C: number, accumulate = false): void {
  if (M === 0 || N === 0) return;
  const k = wasm();
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const ta = transA ? 1 : 0;
  const tb = transB ? 1 : 0;
  const beta = accumulate ? 1 : 0;
  const threads = threadCount();
  if (threads === 1 || M * N * K < PARALLEL_MIN_MACS) {
    const ws = scratch(k.sgemmWorkspaceBytes(M, N, K), 'gemm0');
    k.sgemm(ta, tb, M, N, K, 1, A, lda, B, ldb, beta, C, N, ws);
    return;
  }
  const byRows = M >= N;
  const ranges = splitRange(byRows ? M : N, threads, SPLIT_ALIGN);
  const tasks: Task[] = ranges.map(([s, e], i) => {
    const m = byRows ? e - s : M;
    const n = byRows ? N : e - s;
    const ws = scratch(k.sgemmWorkspaceBytes(m, n, K), `gemm${i}`);
    const a = byRows ? A + 4 * (transA ? s : s * lda) : A;
    const b = byRows ? B : B + 4 * (transB ? s * ldb : s);
    const c = byRows ? C + 4 * s * N : C + 4 * s;
    return { kernel: 'sgemm', args: [ta, tb, m, n, K, 1, a, lda, b, ldb, beta, c, N, ws] };
  });
  runParallel(tasks, (t) => (k.sgemm as (...a: number[]) => void)(...t.args));
}
