// Float32 products with a sparse operand, for backward passes whose incoming
// gradient is mostly exact zeros (after a max-pool only one pixel of each
// window gets a gradient; a straight-through estimator zeroes more). Both
// kernels skip the zero terms and add the others in the order sgemm
// (sgemm.ts) adds them, so the result is bit-identical to sgemm's:
//   - every output starts from +0 and adds a*b, one rounded product and one
//     rounded sum at a time, in increasing order of the reduction index;
//   - the reduction runs in blocks of KC = 512 (as sgemm's pc loop): each
//     block's sum starts from +0 and is then added to the running total.
// Skipping a zero term changes nothing: a sum that starts at +0 is never −0,
// so s + (±0) == s for every partial sum s. (Only an Inf or NaN in the other
// operand would differ: sgemm turns Inf·0 into NaN, these kernels skip it.)

const KC: i32 = 512;

/**
 * C[M,N] = A[M,K]·B[N,K]ᵀ (B stored with K contiguous, as sgemm's transB),
 * A row-sparse: each row's non-zeros are found once, then every output
 * column block of 32 sums only those terms.
 * ws: sgemmSparseNTWorkspaceBytes(N, K) bytes (Bᵀ copy and one row's list).
 */
export function sgemmSparseNT(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32,
  C: usize, ldc: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  const bt = ws; // Bt[k][n], N contiguous
  const idx = bt + (<usize>K * <usize>N << 2);
  const val = idx + (<usize>min(K, KC) << 2);
  const nB = <usize>N << 2;
  for (let n = 0; n < N; n++) {
    const src = B + <usize>n * (<usize>ldb << 2);
    for (let k = 0; k < K; k++) store<f32>(bt + <usize>k * nB + (<usize>n << 2), load<f32>(src + (<usize>k << 2)));
  }
  for (let m = 0; m < M; m++) {
    const row = A + <usize>m * (<usize>lda << 2);
    const c = C + <usize>m * (<usize>ldc << 2);
    for (let pc = 0; pc < K; pc += KC) {
      const nnz = nonzeros(row, pc, min(KC, K - pc), idx, val);
      const first = pc == 0;
      let n = 0;
      for (; n + 32 <= N; n += 32) {
        let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (let j = 0; j < nnz; j++) {
          const s = f32x4.splat(load<f32>(val + (<usize>j << 2)));
          const p = bt + <usize>load<i32>(idx + (<usize>j << 2)) * nB + (<usize>n << 2);
          a0 = f32x4.add(a0, f32x4.mul(s, v128.load(p)));
          a1 = f32x4.add(a1, f32x4.mul(s, v128.load(p, 16)));
          a2 = f32x4.add(a2, f32x4.mul(s, v128.load(p, 32)));
          a3 = f32x4.add(a3, f32x4.mul(s, v128.load(p, 48)));
          a4 = f32x4.add(a4, f32x4.mul(s, v128.load(p, 64)));
          a5 = f32x4.add(a5, f32x4.mul(s, v128.load(p, 80)));
          a6 = f32x4.add(a6, f32x4.mul(s, v128.load(p, 96)));
          a7 = f32x4.add(a7, f32x4.mul(s, v128.load(p, 112)));
        }
        const q = c + (<usize>n << 2);
        put8(q, first, a0, a1, a2, a3, a4, a5, a6, a7);
      }
      for (; n + 4 <= N; n += 4) {
        let a0 = f32x4.splat(0);
        for (let j = 0; j < nnz; j++) {
          const p = bt + <usize>load<i32>(idx + (<usize>j << 2)) * nB + (<usize>n << 2);
          a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(val + (<usize>j << 2))), v128.load(p)));
        }
        const q = c + (<usize>n << 2);
        v128.store(q, first ? a0 : f32x4.add(a0, v128.load(q)));
      }
      for (; n < N; n++) {
        let a: f32 = 0;
        for (let j = 0; j < nnz; j++) {
          a += load<f32>(val + (<usize>j << 2)) * load<f32>(bt + <usize>load<i32>(idx + (<usize>j << 2)) * nB + (<usize>n << 2));
        }
        const q = c + (<usize>n << 2);
        store<f32>(q, first ? a : a + load<f32>(q));
      }
    }
  }
}

// Stores 32 sums at d (the first reduction block) or adds them to what is there.
@inline function put8(d: usize, first: bool, a0: v128, a1: v128, a2: v128, a3: v128,
  a4: v128, a5: v128, a6: v128, a7: v128): void {
  if (first) {
    v128.store(d, a0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
    v128.store(d, a4, 64); v128.store(d, a5, 80); v128.store(d, a6, 96); v128.store(d, a7, 112);
  } else {
    v128.store(d, f32x4.add(a0, v128.load(d))); v128.store(d, f32x4.add(a1, v128.load(d, 16)), 16);
    v128.store(d, f32x4.add(a2, v128.load(d, 32)), 32); v128.store(d, f32x4.add(a3, v128.load(d, 48)), 48);
    v128.store(d, f32x4.add(a4, v128.load(d, 64)), 64); v128.store(d, f32x4.add(a5, v128.load(d, 80)), 80);
    v128.store(d, f32x4.add(a6, v128.load(d, 96)), 96); v128.store(d, f32x4.add(a7, v128.load(d, 112)), 112);
  }
}

export function sgemmSparseNTWorkspaceBytes(N: i32, K: i32): i32 {
  return (K * N + 2 * min(K, KC)) << 2;
}

/**
 * Output channels [c0, c1) of the weight gradient of conv2d (NHWC input X,
 * HWIO kernel, zero padding): dW[k][c] = Σ_m cols[m][k]·G[m][c] with G the
 * sparse output gradient [N·OH·OW, OC] and cols the patch matrix of X as
 * im2col (im2col.ts) would build it — but read straight from X, so the patch
 * matrix is never written: a term's patch element is X at the window's pixel
 * for tap (ky, kx), or a padding zero, which is skipped like a zero of G.
 * Bit-identical to sgemm(transA, M=KH·KW·C, N=OC, K=N·OH·OW) on cols: per
 * block of KC patch rows, each output channel lists its non-zero rows in
 * order, then every (tap, 32-channel strip) sums them in registers. Totals
 * build up transposed in ws and are copied into dW [KH·KW·C, OC] at the end.
 * ws: convWeightGradSparseWorkspaceBytes(KH·KW·C, c1 - c0) bytes.
 */
export function convWeightGradSparse(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, G: usize, OC: i32, dW: usize,
  c0: i32, c1: i32, ws: usize): void {
  const nc = c1 - c0;
  const K = KH * KW * C;
  const M = N * OH * OW;
  if (nc <= 0 || K <= 0) return;
  const kB = <usize>K << 2;
  const tot = ws; // tot[c][k], running totals of output channel c0 + c
  const cnt = tot + <usize>nc * kB;
  const ent = cnt + (<usize>nc << 2); // per channel KC entries of ENTRY bytes
  const idx = ent + <usize>nc * <usize>KC * ENTRY; // one row's non-zeros
  const val = idx + (<usize>nc << 2);
  for (let pc = 0; pc < M; pc += KC) {
    const kc = min(KC, M - pc);
    memory.fill(cnt, 0, <usize>nc << 2);
    for (let p = 0; p < kc; p++) {
      const m = pc + p;
      const n = m / (OH * OW), r = m % (OH * OW);
      const iy0 = (r / OW) * SH - PT, ix0 = (r % OW) * SW - PL;
      const base = ((n * H + iy0) * W + ix0) * C; // float offset of the window's top-left pixel
      const nnz = nonzeros(G + (<usize>m * <usize>OC << 2), c0, nc, idx, val);
      for (let j = 0; j < nnz; j++) {
        append(load<i32>(idx + (<usize>j << 2)) - c0, base, iy0, ix0, load<f32>(val + (<usize>j << 2)), cnt, ent);
      }
    }
    const first = pc == 0;
    for (let c = 0; c < nc; c++) {
      const n = load<i32>(cnt + (<usize>c << 2));
      const t = tot + <usize>c * kB;
      if (n == 0) {
        if (first) memory.fill(t, 0, kB);
        continue;
      }
      const e0 = ent + <usize>c * <usize>KC * ENTRY;
      for (let ky = 0; ky < KH; ky++) {
        for (let kx = 0; kx < KW; kx++) {
          const tapOff = (ky * W + kx) * C;
          const d = t + <usize>((ky * KW + kx) * C) * 4;
          let ci = 0;
          for (; ci + 32 <= C; ci += 32) {
            let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (let j = 0; j < n; j++) {
              const e = e0 + <usize>j * ENTRY;
              if (<u32>(load<i32>(e, 4) + ky) >= <u32>H || <u32>(load<i32>(e, 8) + kx) >= <u32>W) continue;
              const q = X + (<usize>(load<i32>(e) + tapOff + ci) << 2);
              const s = v128.load32_splat(e, 12);
              a0 = f32x4.add(a0, f32x4.mul(v128.load(q), s));
              a1 = f32x4.add(a1, f32x4.mul(v128.load(q, 16), s));
              a2 = f32x4.add(a2, f32x4.mul(v128.load(q, 32), s));
              a3 = f32x4.add(a3, f32x4.mul(v128.load(q, 48), s));
              a4 = f32x4.add(a4, f32x4.mul(v128.load(q, 64), s));
              a5 = f32x4.add(a5, f32x4.mul(v128.load(q, 80), s));
              a6 = f32x4.add(a6, f32x4.mul(v128.load(q, 96), s));
              a7 = f32x4.add(a7, f32x4.mul(v128.load(q, 112), s));
            }
            put8(d + (<usize>ci << 2), first, a0, a1, a2, a3, a4, a5, a6, a7);
          }
          for (; ci + 4 <= C; ci += 4) {
            let a0 = f32x4.splat(0);
            for (let j = 0; j < n; j++) {
              const e = e0 + <usize>j * ENTRY;
              if (<u32>(load<i32>(e, 4) + ky) >= <u32>H || <u32>(load<i32>(e, 8) + kx) >= <u32>W) continue;
              const q = X + (<usize>(load<i32>(e) + tapOff + ci) << 2);
              a0 = f32x4.add(a0, f32x4.mul(v128.load(q), v128.load32_splat(e, 12)));
            }
            const q = d + (<usize>ci << 2);
            v128.store(q, first ? a0 : f32x4.add(a0, v128.load(q)));
          }
          for (; ci < C; ci++) {
            let a: f32 = 0;
            for (let j = 0; j < n; j++) {
              const e = e0 + <usize>j * ENTRY;
              if (<u32>(load<i32>(e, 4) + ky) >= <u32>H || <u32>(load<i32>(e, 8) + kx) >= <u32>W) continue;
              a += load<f32>(X + (<usize>(load<i32>(e) + tapOff + ci) << 2)) * load<f32>(e, 12);
            }
            const q = d + (<usize>ci << 2);
            store<f32>(q, first ? a : a + load<f32>(q));
          }
        }
      }
    }
  }
  const ocB = <usize>OC << 2;
  for (let c = 0; c < nc; c++) {
    const t = tot + <usize>c * kB;
    let d = dW + (<usize>(c0 + c) << 2);
    for (let k = 0; k < K; k++) {
      store<f32>(d, load<f32>(t + (<usize>k << 2)));
      d += ocB;
    }
  }
}

// A listed term: window base offset (floats), window top-left row and column, G value.
const ENTRY: usize = 16;

export function convWeightGradSparseWorkspaceBytes(K: i32, nc: i32): i32 {
  return (nc * K + 3 * nc) * 4 + nc * KC * <i32>ENTRY;
}

/** Number of non-zero entries (NaN included) of the floats x[0..n). */
export function countNonzeros(x: usize, n: i32): i32 {
  let count = 0;
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) count += <i32>popcnt<u32>(i32x4.bitmask(f32x4.ne(v128.load(x + (<usize>i << 2)), z)));
  for (; i < n; i++) if (load<f32>(x + (<usize>i << 2)) != 0) count++;
  return count;
}

// Indices (from `from`) and values of the non-zeros of x[from..from+n) (NaN counts as non-zero), in order.
@inline function nonzeros(x: usize, from: i32, n: i32, idx: usize, val: usize): i32 {
  x += <usize>from << 2;
  let nnz = 0;
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    let bits = i32x4.bitmask(f32x4.ne(v128.load(x + (<usize>i << 2)), z));
    while (bits) {
      const j = i + ctz(bits);
      store<i32>(idx + (<usize>nnz << 2), from + j);
      store<f32>(val + (<usize>nnz << 2), load<f32>(x + (<usize>j << 2)));
      nnz++;
      bits &= bits - 1;
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != 0) {
      store<i32>(idx + (<usize>nnz << 2), from + i);
      store<f32>(val + (<usize>nnz << 2), v);
      nnz++;
    }
  }
  return nnz;
}

@inline function append(c: i32, base: i32, iy0: i32, ix0: i32, v: f32, cnt: usize, ent: usize): void {
  const cp = cnt + (<usize>c << 2);
  const j = load<i32>(cp);
  const e = ent + (<usize>c * <usize>KC + <usize>j) * ENTRY;
  store<i32>(e, base);
  store<i32>(e, iy0, 4);
  store<i32>(e, ix0, 8);
  store<f32>(e, v, 12);
  store<i32>(cp, j + 1);
}
