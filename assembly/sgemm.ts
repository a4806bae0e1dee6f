// Float32 GEMM, BLIS-style: C[M,N] = alpha*op(A)*op(B) + beta*C, row-major.
//
// op(B) is copied, KC rows x NC columns at a time, into panels NR columns wide;
// op(A) is copied, MC x KC at a time, into panels MR rows tall. Each panel is
// k-major, so the micro-kernel reads both operands with unit stride whatever
// the transposes were: the packers absorb NN/TN/NT/TT, the kernel never sees them.
// Zero-padding the last panel lets the kernel always compute a full MR x NR tile;
// partial tiles go through a scratch tile and only the valid part reaches C.
//
// Tile choice, measured (best of 15 runs, NN 256x2304x256, GFLOP/s, Xeon
// Sapphire Rapids, Node 20): 4x8 42-43, 2x16 42-43, 2x12 40, 3x8 38-40,
// 2x8 38, 4x12 36-38, 3x16 36-38, 5x8 34-35, 6x8 34-35, 7x8 30, 8x8 28-29,
// 1x32 31; unrolling k by 2 or 4 lowered 4x8 to 35 and 32. Without FMA
// (relaxed-SIMD is off in Node 20) each update is a mul and an add; Golden
// Cove multiplies on ports 0/1 and adds on 1/5, at most 12 flop/cycle, and
// 4x8 already runs near that. Bigger tiles gain nothing but spills: V8 has 15
// usable xmm registers (xmm15 is its scratch). Hence 4x8.

const MR: i32 = 4;
const NR: i32 = 8;
// KC: an A micro-panel (8 KB) and a B micro-panel (16 KB) stay in L1 (48 KB);
// MC x KC of packed A (256 KB) stays in L2 while the B panels stream past it.
// A sweep of KC 128..512 x MC 64..512 moved nothing beyond noise (+-3%).
export const SGEMM_KC: i32 = 512;
const KC: i32 = SGEMM_KC;
const MC: i32 = 128;
const NC: i32 = 1024;

@inline function imin(a: i32, b: i32): i32 { return a < b ? a : b; }
@inline function roundUp(x: i32, m: i32): i32 { return (x + m - 1) / m * m; }

/** Bytes of `ws` that sgemm(M, N, K) needs: packed A block, packed B block, one edge tile. */
export function sgemmWorkspaceBytes(M: i32, N: i32, K: i32): i32 {
  const kc = imin(max(K, 1), KC);
  const m = roundUp(imin(max(M, 1), MC), MR);
  const n = roundUp(imin(max(N, 1), NC), NR);
  return (kc * (m + n) + MR * NR) << 2;
}

export function sgemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  const ldcB = <usize>ldc << 2;
  // BLAS semantics: with alpha == 0 op(A)*op(B) is not evaluated (NaN in A or B does not leak).
  if (K <= 0 || alpha == 0) { scaleC(M, N, beta, C, ldcB); return; }
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  const kcMax = imin(K, KC);
  const bPack = ws;
  const aPack = bPack + (<usize>(kcMax * roundUp(imin(N, NC), NR)) << 2);
  const tile = aPack + (<usize>(kcMax * roundUp(imin(M, MC), MR)) << 2);

  for (let jc = 0; jc < N; jc += NC) {
    const nc = imin(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = imin(KC, K - pc);
      // Later K blocks add onto what the first block wrote.
      const bt: f32 = pc == 0 ? beta : 1;
      for (let jr = 0; jr < nc; jr += NR) {
        const nr = imin(NR, nc - jr);
        const dst = bPack + (<usize>(jr * kc) << 2);
        if (transB) gatherPanel(B + <usize>(jc + jr) * ldbB + (<usize>pc << 2), ldbB, nr, NR, kc, dst);
        else copyPanel(B + <usize>pc * ldbB + (<usize>(jc + jr) << 2), ldbB, nr, NR, kc, dst);
      }
      for (let ic = 0; ic < M; ic += MC) {
        const mc = imin(MC, M - ic);
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = imin(MR, mc - ir);
          const dst = aPack + (<usize>(ir * kc) << 2);
          if (transA) copyPanel(A + <usize>pc * ldaB + (<usize>(ic + ir) << 2), ldaB, mr, MR, kc, dst);
          else gatherPanel(A + <usize>(ic + ir) * ldaB + (<usize>pc << 2), ldaB, mr, MR, kc, dst);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = imin(NR, nc - jr);
          const bp = bPack + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = imin(MR, mc - ir);
            const ap = aPack + (<usize>(ir * kc) << 2);
            const c = C + <usize>(ic + ir) * ldcB + (<usize>(jc + jr) << 2);
            if (mr == MR && nr == NR) {
              kernel4x8(kc, ap, bp, c, ldcB, alpha, bt);
            } else {
              kernel4x8(kc, ap, bp, tile, NR << 2, 1, 0);
              mergeTile(tile, mr, nr, c, ldcB, alpha, bt);
            }
          }
        }
      }
    }
  }
}

// acc[i][0..7] += a[k*4 + i] * b[k*8 + 0..7], then C = alpha*acc + beta*C.
// Loading A with load32_splat (vbroadcastss from memory) costs a load port,
// not a shuffle port, which the FP adds would otherwise compete for.
@inline function kernel4x8(kc: i32, a: usize, b: usize, c: usize, ldc: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    a += MR << 2;
    b += NR << 2;
  }
  const al = f32x4.splat(alpha), be = f32x4.splat(beta);
  const rd = beta != 0;
  put(c, c00, al, be, rd); put(c + 16, c01, al, be, rd); c += ldc;
  put(c, c10, al, be, rd); put(c + 16, c11, al, be, rd); c += ldc;
  put(c, c20, al, be, rd); put(c + 16, c21, al, be, rd); c += ldc;
  put(c, c30, al, be, rd); put(c + 16, c31, al, be, rd);
}

// beta == 0 must not read C: it may hold NaN garbage that 0*NaN would keep.
@inline function put(p: usize, acc: v128, al: v128, be: v128, readC: bool): void {
  let v = f32x4.mul(acc, al);
  if (readC) v = f32x4.add(v, f32x4.mul(v128.load(p), be));
  v128.store(p, v);
}

function mergeTile(t: usize, mr: i32, nr: i32, c: usize, ldc: usize, alpha: f32, beta: f32): void {
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const p = c + (<usize>j << 2);
      const v = alpha * load<f32>(t + (<usize>j << 2));
      store<f32>(p, beta == 0 ? v : v + beta * load<f32>(p));
    }
    t += NR << 2;
    c += ldc;
  }
}

function scaleC(M: i32, N: i32, beta: f32, C: usize, ldc: usize): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const p = C + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
    C += ldc;
  }
}

// dst[k*W + c] = src[k*ld + c] for c < cols, 0 for cols <= c < W: the operand
// is already k-major (A when transA, B when not transB), rows are copied.
function copyPanel(src: usize, ld: usize, cols: i32, W: i32, kc: i32, dst: usize): void {
  const w = <usize>W << 2;
  if (cols == W) {
    for (let k = 0; k < kc; k++) {
      for (let c: usize = 0; c < w; c += 16) v128.store(dst + c, v128.load(src + c));
      src += ld;
      dst += w;
    }
    return;
  }
  for (let k = 0; k < kc; k++) {
    for (let c = 0; c < W; c++) store<f32>(dst + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
    src += ld;
    dst += w;
  }
}

// dst[k*W + r] = src[r*ld + k] for r < rows, 0 for rows <= r < W: the operand
// is stored with k contiguous (A when not transA, B when transB), so groups of
// 4 rows x 4 k are transposed in registers to keep loads and stores 16 bytes wide.
function gatherPanel(src: usize, ld: usize, rows: i32, W: i32, kc: i32, dst: usize): void {
  const w = <usize>W << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    let s = src + <usize>r * ld;
    let d = dst + (<usize>r << 2);
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(d + w, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * w, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * w, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
      s += 16;
      d += 4 * w;
    }
    for (; k < kc; k++) {
      store<f32>(d, load<f32>(s));
      store<f32>(d, load<f32>(s + ld), 4);
      store<f32>(d, load<f32>(s + 2 * ld), 8);
      store<f32>(d, load<f32>(s + 3 * ld), 12);
      s += 4;
      d += w;
    }
  }
  for (; r < W; r++) {
    let s = src + <usize>r * ld;
    let d = dst + (<usize>r << 2);
    if (r < rows) {
      for (let k = 0; k < kc; k++) { store<f32>(d, load<f32>(s)); s += 4; d += w; }
    } else {
      for (let k = 0; k < kc; k++) { store<f32>(d, 0); d += w; }
    }
  }
}
