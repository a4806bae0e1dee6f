// sgemm (assembly/sgemm.ts) against a straightforward triple loop in float64.
// Shapes are chosen to hit every edge of the blocking: single elements, primes
// that leave partial 4x8 tiles, K=9 / N=10 from the MNIST net, and sizes past
// MC=128, KC=512 and NC=1024 so that several blocks (and K-block accumulation)
// run. Every buffer is followed by guard floats, and C's row padding (ldc > N)
// is filled with a sentinel, so writes outside op(A)*op(B)'s footprint fail too.
import { describe, it, expect } from 'vitest';
import { wasm } from '../../src/wasm/module.js';
import { alloc, free, f32View } from '../../src/wasm/memory.js';
import { Rng } from '../../src/tensor/random.js';

const k = wasm();
const GUARD = 16;
const SENTINEL = -7777.25;

interface Case {
  tA: 0 | 1;
  tB: 0 | 1;
  M: number;
  N: number;
  K: number;
  alpha?: number;
  beta?: number;
  /** Extra elements per stored row beyond the logical width. */
  padA?: number;
  padB?: number;
  padC?: number;
  seed?: number;
}

/** A block of `n` floats followed by GUARD sentinel floats. */
function guarded(n: number): { ptr: number; view: () => Float32Array; guardOk: () => boolean } {
  const ptr = alloc((n + GUARD) * 4);
  f32View(ptr + n * 4, GUARD).fill(SENTINEL);
  return {
    ptr,
    view: () => f32View(ptr, n),
    guardOk: () => f32View(ptr + n * 4, GUARD).every((v) => v === SENTINEL),
  };
}

function run(c: Case): void {
  const { tA, tB, M, N, K } = c;
  const alpha = c.alpha ?? 1;
  const beta = c.beta ?? 0;
  const rng = new Rng(c.seed ?? M * 1000003 + N * 1009 + K * 17 + tA * 2 + tB);
  // Stored shapes: A is [M,K] or [K,M], B is [K,N] or [N,K], rows padded.
  const aRows = tA ? K : M, aCols = tA ? M : K;
  const bRows = tB ? N : K, bCols = tB ? K : N;
  const lda = aCols + (c.padA ?? 0), ldb = bCols + (c.padB ?? 0), ldc = N + (c.padC ?? 0);
  const a = guarded(Math.max(1, aRows * lda));
  const b = guarded(Math.max(1, bRows * ldb));
  const cc = guarded(Math.max(1, M * ldc));
  const wsBytes = k.sgemmWorkspaceBytes(M, N, K);
  const ws = guarded(Math.ceil(wsBytes / 4));
  try {
    const A = a.view(), B = b.view(), C = cc.view();
    // Padding of A and B holds NaN: reading it would poison the result.
    A.fill(NaN);
    B.fill(NaN);
    for (let r = 0; r < aRows; r++) for (let q = 0; q < aCols; q++) A[r * lda + q] = rng.uniform() * 2 - 1;
    for (let r = 0; r < bRows; r++) for (let q = 0; q < bCols; q++) B[r * ldb + q] = rng.uniform() * 2 - 1;
    C.fill(SENTINEL);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) C[i * ldc + j] = beta === 0 ? NaN : rng.uniform() * 4 - 2;
    const A0 = A.slice(), B0 = B.slice(), C0 = C.slice();

    k.sgemm(tA, tB, M, N, K, alpha, a.ptr, lda, b.ptr, ldb, beta, cc.ptr, ldc, ws.ptr);

    const got = cc.view();
    const opA = (i: number, p: number) => A0[tA ? p * lda + i : i * lda + p];
    const opB = (p: number, j: number) => B0[tB ? j * ldb + p : p * ldb + j];
    // f32 accumulation of K products can be off by about K ulps of sum|a*b|.
    const eps = 4 * (K + 2) * 2 ** -24;
    let bad = 0;
    let firstBad = '';
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let dot = 0, mag = 0;
        for (let p = 0; p < K; p++) {
          const t = opA(i, p) * opB(p, j);
          dot += t;
          mag += Math.abs(t);
        }
        const c0 = beta === 0 ? 0 : Math.fround(beta) * C0[i * ldc + j];
        const want = Math.fround(alpha) * dot + c0;
        const tol = eps * (Math.abs(alpha) * mag + Math.abs(c0)) + 1e-30;
        const v = got[i * ldc + j];
        if (!(Math.abs(v - want) <= tol)) {
          if (bad++ === 0) firstBad = `C[${i},${j}] = ${v}, want ${want} (tol ${tol.toExponential(2)})`;
        }
      }
      for (let j = N; j < ldc; j++) {
        if (got[i * ldc + j] !== SENTINEL && bad++ === 0) firstBad = `C[${i},${j}] (row padding) was written`;
      }
    }
    expect(firstBad, `${bad} wrong elements`).toBe('');
    expect(a.guardOk() && b.guardOk(), 'guard after A or B overwritten').toBe(true);
    expect(cc.guardOk(), 'guard after C overwritten').toBe(true);
    expect(ws.guardOk(), `workspace overrun past sgemmWorkspaceBytes = ${wsBytes}`).toBe(true);
    expect(a.view().every((v, i) => Object.is(v, A0[i])), 'A modified').toBe(true);
    expect(b.view().every((v, i) => Object.is(v, B0[i])), 'B modified').toBe(true);
  } finally {
    free(a.ptr);
    free(b.ptr);
    free(cc.ptr);
    free(ws.ptr);
  }
}

const TRANS: [0 | 1, 0 | 1][] = [[0, 0], [1, 0], [0, 1], [1, 1]];
const tname = (tA: number, tB: number) => `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;

describe('sgemm', () => {
  for (const [tA, tB] of TRANS) {
    const shapes: [number, number, number][] = [
      [1, 1, 1], [1, 7, 1], [7, 1, 13], [4, 8, 1], [5, 9, 3], [13, 7, 67], [67, 13, 7],
      [64, 10, 64], [37, 32, 9], [9, 32, 71], [71, 9, 32], [131, 67, 523],
    ];
    it(`${tname(tA, tB)} awkward shapes (MxNxK), alpha=1 beta=0 over NaN`, () => {
      for (const [M, N, K] of shapes) run({ tA, tB, M, N, K });
    });
    it(`${tname(tA, tB)} alpha/beta and padded leading dimensions`, () => {
      run({ tA, tB, M: 13, N: 10, K: 9, alpha: -0.5, beta: 1, padA: 3, padB: 5, padC: 2 });
      run({ tA, tB, M: 70, N: 33, K: 67, alpha: 2.5, beta: 0.75, padA: 1, padB: 7, padC: 9 });
      run({ tA, tB, M: 7, N: 17, K: 600, alpha: 1, beta: -2, padA: 4, padB: 1, padC: 3 });
      run({ tA, tB, M: 9, N: 8, K: 13, alpha: 1.25, beta: 0, padA: 2, padB: 2, padC: 5 });
    });
  }

  it('shapes past every block size (MC, KC, NC), with K-block accumulation onto beta*C', () => {
    run({ tA: 0, tB: 0, M: 133, N: 1029, K: 1031, alpha: 1, beta: 0.5, padC: 3 });
    run({ tA: 1, tB: 1, M: 261, N: 35, K: 1100, alpha: -1, beta: 1, padA: 2, padB: 1 });
    run({ tA: 1, tB: 0, M: 130, N: 1031, K: 515, alpha: 0.5, beta: 0 });
    run({ tA: 0, tB: 1, M: 259, N: 1027, K: 63, alpha: 1, beta: 0 });
  });

  it('MNIST training shapes (forward NN, weight-gradient TN, input-gradient NT)', () => {
    // Conv1 im2col at a reduced batch (the full one only repeats rows), conv2, conv3, dense.
    run({ tA: 0, tB: 0, M: 2704, N: 32, K: 9 });
    run({ tA: 1, tB: 0, M: 9, N: 32, K: 2704 });
    run({ tA: 0, tB: 0, M: 484, N: 64, K: 288 });
    run({ tA: 1, tB: 0, M: 288, N: 64, K: 484 });
    run({ tA: 0, tB: 1, M: 484, N: 288, K: 64 });
    run({ tA: 0, tB: 0, M: 576, N: 64, K: 576 });
    run({ tA: 0, tB: 0, M: 64, N: 10, K: 64 });
    run({ tA: 1, tB: 0, M: 64, N: 10, K: 64 });
    run({ tA: 0, tB: 1, M: 64, N: 64, K: 10 });
  });

  it('K = 0 or alpha = 0 leaves beta*C and never reads A or B', () => {
    run({ tA: 0, tB: 0, M: 5, N: 9, K: 0, beta: 0.5 });
    run({ tA: 1, tB: 1, M: 5, N: 9, K: 0, beta: 0 });
    // With alpha = 0 the NaN padding trick does not help: put NaN in A itself.
    const M = 6, N = 11, K = 7;
    const a = alloc(M * K * 4), b = alloc(K * N * 4), c = alloc(M * N * 4), ws = alloc(k.sgemmWorkspaceBytes(M, N, K));
    try {
      f32View(a, M * K).fill(NaN);
      f32View(b, K * N).fill(1);
      f32View(c, M * N).fill(4);
      k.sgemm(0, 0, M, N, K, 0, a, K, b, N, 0.25, c, N, ws);
      expect(Array.from(f32View(c, M * N))).toEqual(new Array(M * N).fill(1));
      f32View(c, M * N).fill(NaN);
      k.sgemm(0, 0, M, N, K, 0, a, K, b, N, 0, c, N, ws);
      expect(Array.from(f32View(c, M * N))).toEqual(new Array(M * N).fill(0));
    } finally {
      for (const p of [a, b, c, ws]) free(p);
    }
  });

  it('M = 0 or N = 0 writes nothing', () => {
    const c = alloc(64);
    try {
      f32View(c, 16).fill(SENTINEL);
      k.sgemm(0, 0, 0, 4, 4, 1, c, 4, c, 4, 0, c, 4, c);
      k.sgemm(0, 0, 4, 0, 4, 1, c, 4, c, 4, 0, c, 4, c);
      expect(f32View(c, 16).every((v) => v === SENTINEL)).toBe(true);
    } finally {
      free(c);
    }
  });

  it('workspace size is bounded by the block sizes, not by the problem', () => {
    const big = k.sgemmWorkspaceBytes(100000, 100000, 100000);
    expect(big).toBeGreaterThan(0);
    expect(big).toBeLessThan(8 << 20);
    expect(k.sgemmWorkspaceBytes(1, 1, 1)).toBeGreaterThan(0);
  });
});
