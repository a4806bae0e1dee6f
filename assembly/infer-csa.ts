// The packed inference engine's XNOR GEMM on the carry-save path (bcsa.ts):
// rows two at a time, channels two at a time, each dot through the
// engine's own output transform (emitDot). Kernel module only; the engine
// runs it when the binary path tuned for the model is PATH_CSA.
import { words, emitDot, OUT_BITS, panelBytesOf } from "./infer-bits";
import { csaWorkspaceBytes, gatherPair, csaCounts } from "./bcsa";

/** Workspace bytes of csaGemm for K-bit rows. */
export function csaGemmWorkspaceBytes(K: i32): i32 {
  return csaWorkspaceBytes(1, words(K));
}

/**
 * Same contract as xnorGemmScalar (infer-bits.ts): out[m] = transform(K -
 * 2*popcount(A[m] xor B[o])) for M rows of ceil(K/64) words (lda words
 * apart, bits past K zero) against the weight panels B of a [K, N] kernel.
 * ws: csaGemmWorkspaceBytes(K) bytes, 16-aligned.
 */
export function csaGemm(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize): void {
  const kw = words(K), pairs = (kw + 1) >> 1;
  const pb = panelBytesOf(kw);
  const oRow = <usize>ldo << (mode == OUT_BITS ? 3 : 2);
  const res = ws + (<usize>pairs << 5);
  for (let m = 0; m < M; m += 2) {
    const a = A + (<usize>m * lda << 3);
    const two = m + 1 < M;
    gatherPair(ws, a, two ? a + (<usize>lda << 3) : a, 0, 1, kw);
    const da = out + <usize>m * oRow, db = da + oRow;
    if (mode == OUT_BITS) {
      memory.fill(da, 0, <usize>words(N) << 3);
      if (two) memory.fill(db, 0, <usize>words(N) << 3);
    }
    for (let o = 0; o < N; o += 2) {
      // channels o and o + 1 ((o & 3) is 0 or 2: the same panel)
      csaCounts(ws, pairs, B + <usize>(o >> 2) * pb + (<usize>(o & 3) << 4), res);
      const second = o + 1 < N;
      emitDot(K - 2 * load<i32>(res), o, mode, p1, p2, da);
      if (second) emitDot(K - 2 * load<i32>(res, 4), o + 1, mode, p1, p2, da);
      if (two) {
        emitDot(K - 2 * load<i32>(res, 16), o, mode, p1, p2, db);
        if (second) emitDot(K - 2 * load<i32>(res, 20), o + 1, mode, p1, p2, db);
      }
    }
  }
}
