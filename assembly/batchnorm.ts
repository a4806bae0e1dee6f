// Per-channel kernels over X[rows, C] (C = last axis of an NHWC tensor).
//
// Reductions walk down the rows for a group of up to 32 channels at a time
// (128 bytes of each row, an adjacent-line pair), keeping the partial sums in
// f32x4 registers. The walks are bound by the cache lines they touch: at
// [43264, 32] two walks of 16 channels cost twice one walk of 32. Partial sums
// are f32 over blocks of BLOCK rows and are flushed into f64 after each block,
// so a sum over 10^5 rows loses no more than a 64-term f32 sum does, without
// widening every element. Channel groups are the outer loop (rather than rows)
// because per-channel f64 totals would need scratch memory, which kernels do
// not have; in registers they cost nothing.
//
// What is summed is chosen by a compile-time MODE so that one loop skeleton
// serves all reductions (every caller passes a literal, and the inliner folds
// the branches away):
//   SUM    sum A
//   SQDEV  sum (A - M)^2            (variance around the already computed mean)
//   XDEV   sum B * (A - M)          (dY * (x - mean), for dGamma)

const BLOCK = 64;
const SUM = 0, SQDEV = 1, XDEV = 2;

@inline function term(mode: i32, a: v128, b: v128, m: v128): v128 {
  if (mode == SUM) return a;
  const d = f32x4.sub(a, m);
  return mode == SQDEV ? f32x4.mul(d, d) : f32x4.mul(b, d);
}

@inline function termS(mode: i32, a: f32, b: f32, m: f32): f32 {
  if (mode == SUM) return a;
  const d = a - m;
  return mode == SQDEV ? d * d : b * d;
}

// Lanes 0,1 (widenLo) and 2,3 (widenHi) of an f32x4 as f64x2.
@inline function widenLo(s: v128): v128 {
  return f64x2.promote_low_f32x4(s);
}
@inline function widenHi(s: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1));
}

// out[0..4) = f32(lanes of (lo, hi) * scale).
@inline function store4(out: usize, lo: v128, hi: v128, scale: f64): void {
  const s = f64x2.splat(scale);
  const a = f32x4.demote_f64x2_zero(f64x2.mul(lo, s));
  const b = f32x4.demote_f64x2_zero(f64x2.mul(hi, s));
  v128.store(out, i32x4.shuffle(a, b, 0, 1, 4, 5));
}

@inline function acc(mode: i32, s: v128, pa: usize, pb: usize, m: v128, o: usize): v128 {
  return f32x4.add(s, term(mode, v128.load(pa + o), mode == XDEV ? v128.load(pb + o) : f32x4.splat(0), m));
}
@inline function mload(mode: i32, M: usize, o: usize): v128 {
  return mode == SUM ? f32x4.splat(0) : v128.load(M + o);
}

// Sums term(...) over all rows for the G*4 channels starting at byte offset
// off (G = 1, 4 or 8, a literal: the unused lanes fold away).
@inline function reduceGroup(mode: i32, G: i32, A: usize, B: usize, M: usize, rows: i32, stride: usize,
  off: usize, out: usize, scale: f64): void {
  const z = f32x4.splat(0);
  const m0 = mload(mode, M, off);
  const m1 = G < 2 ? z : mload(mode, M, off + 16);
  const m2 = G < 4 ? z : mload(mode, M, off + 32), m3 = G < 4 ? z : mload(mode, M, off + 48);
  const m4 = G < 8 ? z : mload(mode, M, off + 64), m5 = G < 8 ? z : mload(mode, M, off + 80);
  const m6 = G < 8 ? z : mload(mode, M, off + 96), m7 = G < 8 ? z : mload(mode, M, off + 112);
  let d0 = z, d1 = z, d2 = z, d3 = z, d4 = z, d5 = z, d6 = z, d7 = z;
  let d8 = z, d9 = z, d10 = z, d11 = z, d12 = z, d13 = z, d14 = z, d15 = z;
  let pa = A + off, pb = B + off;
  for (let r = 0; r < rows; ) {
    const end = min(rows, r + BLOCK);
    let s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z;
    for (; r < end; r++) {
      s0 = acc(mode, s0, pa, pb, m0, 0);
      if (G > 1) s1 = acc(mode, s1, pa, pb, m1, 16);
      if (G > 2) { s2 = acc(mode, s2, pa, pb, m2, 32); s3 = acc(mode, s3, pa, pb, m3, 48); }
      if (G > 4) {
        s4 = acc(mode, s4, pa, pb, m4, 64); s5 = acc(mode, s5, pa, pb, m5, 80);
        s6 = acc(mode, s6, pa, pb, m6, 96); s7 = acc(mode, s7, pa, pb, m7, 112);
      }
      pa += stride;
      pb += stride;
    }
    d0 = f64x2.add(d0, widenLo(s0)); d1 = f64x2.add(d1, widenHi(s0));
    if (G > 1) { d2 = f64x2.add(d2, widenLo(s1)); d3 = f64x2.add(d3, widenHi(s1)); }
    if (G > 2) {
      d4 = f64x2.add(d4, widenLo(s2)); d5 = f64x2.add(d5, widenHi(s2));
      d6 = f64x2.add(d6, widenLo(s3)); d7 = f64x2.add(d7, widenHi(s3));
    }
    if (G > 4) {
      d8 = f64x2.add(d8, widenLo(s4)); d9 = f64x2.add(d9, widenHi(s4));
      d10 = f64x2.add(d10, widenLo(s5)); d11 = f64x2.add(d11, widenHi(s5));
      d12 = f64x2.add(d12, widenLo(s6)); d13 = f64x2.add(d13, widenHi(s6));
      d14 = f64x2.add(d14, widenLo(s7)); d15 = f64x2.add(d15, widenHi(s7));
    }
  }
  store4(out + off, d0, d1, scale);
  if (G > 1) store4(out + off + 16, d2, d3, scale);
  if (G > 2) { store4(out + off + 32, d4, d5, scale); store4(out + off + 48, d6, d7, scale); }
  if (G > 4) {
    store4(out + off + 64, d8, d9, scale); store4(out + off + 80, d10, d11, scale);
    store4(out + off + 96, d12, d13, scale); store4(out + off + 112, d14, d15, scale);
  }
}

// out[c] = scale * sum over rows of term(A[r,c], B[r,c], M[c]) for every c.
// B and M are only read by the modes that use them.
@inline function reduceColumns(mode: i32, A: usize, B: usize, M: usize, rows: i32, C: i32, out: usize, scale: f64): void {
  const stride = <usize>C << 2;
  let c = 0;
  for (; c + 32 <= C; c += 32) reduceGroup(mode, 8, A, B, M, rows, stride, <usize>c << 2, out, scale);
  for (; c + 16 <= C; c += 16) reduceGroup(mode, 4, A, B, M, rows, stride, <usize>c << 2, out, scale);
  for (; c + 4 <= C; c += 4) reduceGroup(mode, 1, A, B, M, rows, stride, <usize>c << 2, out, scale);
  for (; c < C; c++) {
    const off = <usize>c << 2;
    const m0: f32 = mode == SUM ? 0 : load<f32>(M + off);
    let d: f64 = 0;
    let pa = A + off, pb = B + off;
    for (let r = 0; r < rows; ) {
      const end = min(rows, r + BLOCK);
      let s: f32 = 0;
      for (; r < end; r++) {
        s += termS(mode, load<f32>(pa), mode == XDEV ? load<f32>(pb) : 0, m0);
        pa += stride;
        pb += stride;
      }
      d += <f64>s;
    }
    store<f32>(out + off, <f32>(d * scale));
  }
}

export function columnSum(X: usize, rows: i32, C: i32, out: usize): void {
  reduceColumns(SUM, X, 0, 0, rows, C, out, 1);
}

// Two passes (mean, then squared deviations from it) rather than
// E[x^2] - E[x]^2, which cancels catastrophically when |mean| >> std.
export function channelMeanVar(X: usize, rows: i32, C: i32, mean: usize, variance: usize): void {
  const inv = rows > 0 ? 1.0 / <f64>rows : 0.0;
  reduceColumns(SUM, X, 0, 0, rows, C, mean, inv);
  reduceColumns(SQDEV, X, 0, mean, rows, C, variance, inv);
}

// Row-major so that X and Y stream. The per-channel vectors are re-read from
// L1 on every row; hoisting them over tiles of rows measured no faster (this
// and the backward pass below are bound by memory traffic, not by loads).
export function channelScaleShift(X: usize, rows: i32, C: i32, scale: usize, shift: usize, Y: usize): void {
  const cv = <usize>(C & ~3) << 2, cb = <usize>C << 2;
  if (C == 1) {
    // Flat over all elements with the single channel's constants splatted.
    const a = load<f32>(scale), b = load<f32>(shift);
    const va = f32x4.splat(a), vb = f32x4.splat(b);
    const nv = <usize>(rows & ~3) << 2, nb = <usize>rows << 2;
    let i: usize = 0;
    for (; i < nv; i += 16) v128.store(Y + i, f32x4.add(f32x4.mul(v128.load(X + i), va), vb));
    for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(X + i) * a + b);
    return;
  }
  for (let r = 0; r < rows; r++) {
    let c: usize = 0;
    for (; c < cv; c += 16) {
      v128.store(Y + c, f32x4.add(f32x4.mul(v128.load(X + c), v128.load(scale + c)), v128.load(shift + c)));
    }
    for (; c < cb; c += 4) store<f32>(Y + c, load<f32>(X + c) * load<f32>(scale + c) + load<f32>(shift + c));
    X += cb;
    Y += cb;
  }
}

// dX = gamma*invStd/rows * (rows*dY - dBeta - xhat*dGamma), xhat = (X-mean)*invStd,
// rewritten per channel as dX = k * (dY - dBeta/rows - (X-mean) * invStd*dGamma/rows)
// with k = gamma*invStd. The reductions run first, so dX may be the same array as dY.
export function batchNormBackward(dY: usize, X: usize, rows: i32, C: i32, mean: usize, invStd: usize,
  gamma: usize, dX: usize, dGamma: usize, dBeta: usize): void {
  reduceColumns(SUM, dY, 0, 0, rows, C, dBeta, 1);
  reduceColumns(XDEV, X, dY, mean, rows, C, dGamma, 1);
  const cb = <usize>C << 2, cv = <usize>(C & ~3) << 2;
  for (let c: usize = 0; c < cb; c += 4) store<f32>(dGamma + c, load<f32>(dGamma + c) * load<f32>(invStd + c));
  const invRows: f32 = rows > 0 ? <f32>(1.0 / <f64>rows) : 0;
  const vInvRows = f32x4.splat(invRows);
  for (let r = 0; r < rows; r++) {
    let c: usize = 0;
    for (; c < cv; c += 16) {
      const is = v128.load(invStd + c);
      const k = gamma ? f32x4.mul(v128.load(gamma + c), is) : is;
      const mb = f32x4.mul(v128.load(dBeta + c), vInvRows);
      const mg = f32x4.mul(f32x4.mul(v128.load(dGamma + c), is), vInvRows);
      const xm = f32x4.sub(v128.load(X + c), v128.load(mean + c));
      const t = f32x4.sub(f32x4.sub(v128.load(dY + c), mb), f32x4.mul(xm, mg));
      v128.store(dX + c, f32x4.mul(k, t));
    }
    for (; c < cb; c += 4) {
      const is = load<f32>(invStd + c);
      const k = gamma ? load<f32>(gamma + c) * is : is;
      const t = load<f32>(dY + c) - load<f32>(dBeta + c) * invRows
        - (load<f32>(X + c) - load<f32>(mean + c)) * (load<f32>(dGamma + c) * is * invRows);
      store<f32>(dX + c, k * t);
    }
    dY += cb;
    X += cb;
    dX += cb;
  }
}
