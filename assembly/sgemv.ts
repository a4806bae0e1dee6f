// Float GEMM for fewer than four rows (a dense layer on one to three
// images): C[m, :] = A[m, :] · B, row-major, each row streaming B from
// memory once. sgemm would first copy all of B into its panels and then
// compute whole 4-row tiles; for a classifier of 1000 classes at batch 1
// that copy (2 MB of weights) costs more than the products.
//
// The sums are sgemm's bit for bit (alpha = 1, beta = 0): per block of
// SGEMM_KC values of k, the products are added in increasing k onto a zero
// accumulator, and each later block's sum is added onto C.
import { SGEMM_KC } from "./sgemm";

/** C[m, n] = sum_k A[m, k] B[k, n] for m < M (row strides lda, ldb, ldc in elements). */
export function sgemvRows(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32): void {
  const bRow = <usize>ldb << 2;
  for (let m = 0; m < M; m++) {
    const a = A + (<usize>m * lda << 2), c = C + (<usize>m * ldc << 2);
    if (K <= 0) {
      memory.fill(c, 0, <usize>N << 2);
      continue;
    }
    for (let pc = 0; pc < K; pc += SGEMM_KC) {
      const kc = min(SGEMM_KC, K - pc);
      const first = pc == 0;
      const a0 = a + (<usize>pc << 2), b0 = B + <usize>pc * bRow;
      let n = 0;
      for (; n + 16 <= N; n += 16) {
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
        let bp = b0 + (<usize>n << 2);
        for (let k = 0; k < kc; k++) {
          const x = v128.load32_splat(a0 + (<usize>k << 2));
          s0 = f32x4.add(s0, f32x4.mul(x, v128.load(bp)));
          s1 = f32x4.add(s1, f32x4.mul(x, v128.load(bp, 16)));
          s2 = f32x4.add(s2, f32x4.mul(x, v128.load(bp, 32)));
          s3 = f32x4.add(s3, f32x4.mul(x, v128.load(bp, 48)));
          bp += bRow;
        }
        const q = c + (<usize>n << 2);
        if (!first) {
          s0 = f32x4.add(s0, v128.load(q));
          s1 = f32x4.add(s1, v128.load(q, 16));
          s2 = f32x4.add(s2, v128.load(q, 32));
          s3 = f32x4.add(s3, v128.load(q, 48));
        }
        v128.store(q, s0);
        v128.store(q, s1, 16);
        v128.store(q, s2, 32);
        v128.store(q, s3, 48);
      }
      for (; n + 4 <= N; n += 4) {
        let s = f32x4.splat(0);
        let bp = b0 + (<usize>n << 2);
        for (let k = 0; k < kc; k++) {
          s = f32x4.add(s, f32x4.mul(v128.load32_splat(a0 + (<usize>k << 2)), v128.load(bp)));
          bp += bRow;
        }
        const q = c + (<usize>n << 2);
        v128.store(q, first ? s : f32x4.add(s, v128.load(q)));
      }
      for (; n < N; n++) {
        let s: f32 = 0;
        let bp = b0 + (<usize>n << 2);
        for (let k = 0; k < kc; k++) {
          s = s + load<f32>(a0 + (<usize>k << 2)) * load<f32>(bp);
          bp += bRow;
        }
        const q = c + (<usize>n << 2);
        store<f32>(q, first ? s : s + load<f32>(q));
      }
    }
  }
}
