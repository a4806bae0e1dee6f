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

import { addPatchRow } from './im2col';

const KC: i32 = 512;

/**
 * C[M,N] = A[M,K]·B[N,K]ᵀ (B stored with K contiguous, as sgemm's transB),
 * A row-sparse: each row's non-zeros are found once, then every output
 * column block of 24 sums only those terms.
 * ws: sgemmSparseNTWorkspaceBytes(N, K) bytes (Bᵀ copy and one row's list).
 */
export function sgemmSparseNT(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32,
  C: usize, ldc: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  const bt = ws; // Bt[k][n], N contiguous
  const list = bt + (<usize>K * <usize>N << 2); // one row's terms: (Bt row address, value) pairs
  transposeInto(B, ldb, N, K, bt);
  for (let m = 0; m < M; m++) {
    sparseRowTimesBt(A + <usize>m * (<usize>lda << 2), N, K, bt, list, C + <usize>m * (<usize>ldc << 2));
  }
}

/**
 * conv2d's input gradient from a sparse output gradient G [N·OH·OW, OC] and
 * the kernel Wk [KH·KW·C, OC]: each patch-gradient row G[m]·Wkᵀ is computed
 * as sgemmSparseNT computes it, into a row buffer, and added onto dX at once
 * as col2im adds it (addPatchRow, im2col.ts), so the [N·OH·OW, KH·KW·C]
 * patch-gradient matrix is never written or read back. Same rows, added in
 * the same order: bit-identical to sgemmSparseNT + col2im. Images
 * [0, N) of dX (NHWC [N, H, W, C]) are overwritten.
 * ws: convInputGradSparseWorkspaceBytes(KH·KW·C, OC) bytes.
 */
export function convInputGradSparse(G: usize, OC: i32, Wk: usize, N: i32, H: i32, W: i32, C: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, dX: usize, ws: usize): void {
  const K = KH * KW * C;
  const imgBytes = <usize>(H * W * C) << 2;
  memory.fill(dX, 0, <usize>N * imgBytes);
  if (K <= 0 || OC <= 0) return;
  const bt = ws;
  const list = bt + (<usize>K * <usize>OC << 2);
  const row = list + (<usize>min(OC, KC) << 3);
  transposeInto(Wk, OC, K, OC, bt);
  let g = G;
  for (let n = 0; n < N; n++) {
    const img = dX + <usize>n * imgBytes;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        sparseRowTimesBt(g, K, OC, bt, list, row);
        addPatchRow(row, img, oh, ow, H, W, C, KH, KW, SH, SW, PT, PL);
        g += <usize>OC << 2;
      }
    }
  }
}

export function convInputGradSparseWorkspaceBytes(K: i32, OC: i32): i32 {
  return (K * OC + 2 * min(OC, KC) + K) << 2;
}

// Bt[k][n] = B[n][k] for B [N rows, K used columns, ldb apart].
@inline function transposeInto(B: usize, ldb: i32, N: i32, K: i32, bt: usize): void {
  const nB = <usize>N << 2;
  for (let n = 0; n < N; n++) {
    const src = B + <usize>n * (<usize>ldb << 2);
    for (let k = 0; k < K; k++) store<f32>(bt + <usize>k * nB + (<usize>n << 2), load<f32>(src + (<usize>k << 2)));
  }
}

// c[0..N) = row[0..K)·Btᵀ (Bt [K, N]) summing only the row's non-zeros, in
// blocks of KC of the reduction, 24 then 4 then 1 columns at a time.
@inline function sparseRowTimesBt(row: usize, N: i32, K: i32, bt: usize, list: usize, c: usize): void {
  const nB = <usize>N << 2;
  for (let pc = 0; pc < K; pc += KC) {
    const end = list + (<usize>termList(row, pc, min(KC, K - pc), bt, nB, list) << 3);
    const first = pc == 0;
    let n = 0;
    // 24 columns (6 sums) at a time: with 8, V8 keeps all eight loads of a
    // term live at once and spills; 6 sums fit the 15 usable xmm registers.
    for (; n + 24 <= N; n += 24) {
      const off = <usize>n << 2;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let e = list; e < end; e += 8) {
        // load32_splat: a load, not a shuffle competing with the adds (as in sgemm's kernel).
        const s = v128.load32_splat(e, 4);
        const p = <usize>load<u32>(e) + off;
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(p)));
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(p, 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(p, 32)));
        a3 = f32x4.add(a3, f32x4.mul(s, v128.load(p, 48)));
        a4 = f32x4.add(a4, f32x4.mul(s, v128.load(p, 64)));
        a5 = f32x4.add(a5, f32x4.mul(s, v128.load(p, 80)));
      }
      put6(c + off, first, a0, a1, a2, a3, a4, a5);
    }
    for (; n + 4 <= N; n += 4) {
      const off = <usize>n << 2;
      let a0 = f32x4.splat(0);
      for (let e = list; e < end; e += 8) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(e, 4), v128.load(<usize>load<u32>(e) + off)));
      }
      const q = c + off;
      v128.store(q, first ? a0 : f32x4.add(a0, v128.load(q)));
    }
    for (; n < N; n++) {
      const off = <usize>n << 2;
      let a: f32 = 0;
      for (let e = list; e < end; e += 8) a += load<f32>(e, 4) * load<f32>(<usize>load<u32>(e) + off);
      const q = c + off;
      store<f32>(q, first ? a : a + load<f32>(q));
    }
  }
}

// Stores 24 sums at d (the first reduction block) or adds them to what is there.
@inline function put6(d: usize, first: bool, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128): void {
  if (first) {
    v128.store(d, a0); v128.store(d, a1, 16); v128.store(d, a2, 32);
    v128.store(d, a3, 48); v128.store(d, a4, 64); v128.store(d, a5, 80);
  } else {
    v128.store(d, f32x4.add(a0, v128.load(d))); v128.store(d, f32x4.add(a1, v128.load(d, 16)), 16);
    v128.store(d, f32x4.add(a2, v128.load(d, 32)), 32); v128.store(d, f32x4.add(a3, v128.load(d, 48)), 48);
    v128.store(d, f32x4.add(a4, v128.load(d, 64)), 64); v128.store(d, f32x4.add(a5, v128.load(d, 80)), 80);
  }
}

// The non-zeros of x[from..from+n) (NaN counts as non-zero) in order, as
// (address of Bt row `index`, value) pairs at list; returns their number.
@inline function termList(x: usize, from: i32, n: i32, bt: usize, nB: usize, list: usize): i32 {
  x += <usize>from << 2;
  let nnz = 0;
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    let bits = i32x4.bitmask(f32x4.ne(v128.load(x + (<usize>i << 2)), z));
    while (bits) {
      const j = i + ctz(bits);
      const e = list + (<usize>nnz << 3);
      store<u32>(e, <u32>(bt + <usize>(from + j) * nB));
      store<f32>(e, load<f32>(x + (<usize>j << 2)), 4);
      nnz++;
      bits &= bits - 1;
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != 0) {
      const e = list + (<usize>nnz << 3);
      store<u32>(e, <u32>(bt + <usize>(from + i) * nB));
      store<f32>(e, v, 4);
      nnz++;
    }
  }
  return nnz;
}

export function sgemmSparseNTWorkspaceBytes(N: i32, K: i32): i32 {
  return (K * N + 2 * min(K, KC)) << 2;
}

/**
 * Output channels [c0, c1) of the weight gradient of conv2d (NHWC input X,
 * HWIO kernel): dW[k][c] = Σ_m cols[m][k]·G[m][c] with G the sparse output
 * gradient [N·OH·OW, OC] and cols the patch matrix of X as im2col (im2col.ts)
 * would build it — but read straight from X, so the patch matrix is never
 * written: a term's patch element is X at the window's pixel for tap
 * (ky, kx). X must hold every window whole: a padded convolution passes its
 * input padded with zeros (sparseGemm.ts), whose products are ±0 terms that
 * leave the sums as they are, as in sgemm on cols.
 * Bit-identical to sgemm(transA, M=KH·KW·C, N=OC, K=N·OH·OW) on cols: per
 * block of KC patch rows, each output channel lists its non-zero rows in
 * order, then every (tap, channel strip) sums them in registers. Totals
 * build up transposed in ws and are copied into dW [KH·KW·C, OC] at the end.
 * ws: convWeightGradSparseWorkspaceBytes(KH·KW·C, c1 - c0) bytes.
 */
export function convWeightGradSparse(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, OH: i32, OW: i32, G: usize, OC: i32, dW: usize,
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
      // Byte offset in X of the window's top-left pixel.
      const base = <u32>(((n * H + (r / OW) * SH) * W + (r % OW) * SW) * C) << 2;
      const nnz = nonzeros(G + (<usize>m * <usize>OC << 2), c0, nc, idx, val);
      for (let j = 0; j < nnz; j++) {
        append(load<i32>(idx + (<usize>j << 2)) - c0, base, load<f32>(val + (<usize>j << 2)), cnt, ent);
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
      channelSums(X, W, C, KH, KW, e0, e0 + <usize>n * ENTRY, t, first);
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

// A listed term: window base (byte offset in X), G value.
const ENTRY: usize = 8;

export function convWeightGradSparseWorkspaceBytes(K: i32, nc: i32): i32 {
  return (nc * K + 3 * nc) * 4 + nc * KC * <i32>ENTRY;
}

// One output channel's block of listed terms [e0, e1) summed into its totals
// t[KH·KW·C] for every (tap, channel): strips of 24, 8 and 4 channels in
// registers, then single channels. 24, not 32: V8 loads a term's whole strip
// before its first multiply, so 6 sums, 6 loads and the splat fill the 15
// usable xmm registers, where 8 sums spill every term.
@inline function channelSums(X: usize, W: i32, C: i32, KH: i32, KW: i32,
  e0: usize, e1: usize, t: usize, first: bool): void {
  for (let ky = 0; ky < KH; ky++) {
    for (let kx = 0; kx < KW; kx++) {
      const xTap = X + (<usize>((ky * W + kx) * C) << 2);
      const d = t + (<usize>((ky * KW + kx) * C) << 2);
      let ci = 0;
      for (; ci + 24 <= C; ci += 24) stripSums(6, xTap + (<usize>ci << 2), e0, e1, d + (<usize>ci << 2), first);
      for (; ci + 8 <= C; ci += 8) stripSums(2, xTap + (<usize>ci << 2), e0, e1, d + (<usize>ci << 2), first);
      for (; ci + 4 <= C; ci += 4) stripSums(1, xTap + (<usize>ci << 2), e0, e1, d + (<usize>ci << 2), first);
      for (; ci < C; ci++) {
        const x0 = xTap + (<usize>ci << 2);
        let a: f32 = 0;
        for (let e = e0; e < e1; e += ENTRY) a += load<f32>(x0 + <usize>load<u32>(e)) * load<f32>(e, 4);
        const q = d + (<usize>ci << 2);
        store<f32>(q, first ? a : a + load<f32>(q));
      }
    }
  }
}

// 4·G channels (G = 1, 2 or 6, a literal) from x0 of one tap: Σ over the
// terms of X[window + x0]·g, stored at d on the first reduction block and
// added to d after.
@inline function stripSums(G: i32, x0: usize, e0: usize, e1: usize, d: usize, first: bool): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  for (let e = e0; e < e1; e += ENTRY) {
    const q = x0 + <usize>load<u32>(e);
    // load32_splat: a load, not a shuffle competing with the adds (as in sgemm's kernel).
    const s = v128.load32_splat(e, 4);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(q), s));
    if (G > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(q, 16), s));
    if (G > 2) {
      a2 = f32x4.add(a2, f32x4.mul(v128.load(q, 32), s));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(q, 48), s));
      a4 = f32x4.add(a4, f32x4.mul(v128.load(q, 64), s));
      a5 = f32x4.add(a5, f32x4.mul(v128.load(q, 80), s));
    }
  }
  if (first) {
    v128.store(d, a0);
    if (G > 1) v128.store(d, a1, 16);
    if (G > 2) { v128.store(d, a2, 32); v128.store(d, a3, 48); v128.store(d, a4, 64); v128.store(d, a5, 80); }
  } else {
    v128.store(d, f32x4.add(a0, v128.load(d)));
    if (G > 1) v128.store(d, f32x4.add(a1, v128.load(d, 16)), 16);
    if (G > 2) {
      v128.store(d, f32x4.add(a2, v128.load(d, 32)), 32); v128.store(d, f32x4.add(a3, v128.load(d, 48)), 48);
      v128.store(d, f32x4.add(a4, v128.load(d, 64)), 64); v128.store(d, f32x4.add(a5, v128.load(d, 80)), 80);
    }
  }
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

@inline function append(c: i32, base: u32, v: f32, cnt: usize, ent: usize): void {
  const cp = cnt + (<usize>c << 2);
  const j = load<i32>(cp);
  const e = ent + (<usize>c * <usize>KC + <usize>j) * ENTRY;
  store<u32>(e, base);
  store<f32>(e, v, 4);
  store<i32>(cp, j + 1);
}
