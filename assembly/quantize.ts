// Quantizer kernels for the hot elementwise cases: Larq's sign, the clipped
// straight-through gradient, and DoReFa's activation levels. f32x4 over the
// bulk and a scalar tail computing the same thing (NaN gives -1 / 0, as the
// JavaScript fallbacks in src/quantizers do). Output may alias an input.

@inline function vecBytes(n: i32): usize {
  return <usize>(n & ~3) << 2;
}

// Y = x >= 0 ? 1 : -1 (sign(0) = sign(-0) = +1).
export function quantSign(X: usize, n: i32, Y: usize): void {
  const z = f32x4.splat(0), one = f32x4.splat(1), neg = f32x4.splat(-1);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(Y + i, v128.bitselect(one, neg, f32x4.ge(v128.load(X + i), z)));
  for (; i < nb; i += 4) store<f32>(Y + i, load<f32>(X + i) >= 0 ? 1 : -1);
}

// dX = |x| <= clip ? dY : 0 (inclusive window).
export function quantClipGrad(X: usize, dY: usize, n: i32, clip: f32, dX: usize): void {
  const c = f32x4.splat(clip);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) v128.store(dX + i, v128.and(v128.load(dY + i), f32x4.le(f32x4.abs(v128.load(X + i)), c)));
  for (; i < nb; i += 4) store<f32>(dX + i, abs<f32>(load<f32>(X + i)) <= clip ? load<f32>(dY + i) : 0);
}

// dX = lo <= x <= hi ? dY : 0.
export function quantRangeGrad(X: usize, dY: usize, n: i32, lo: f32, hi: f32, dX: usize): void {
  const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const x = v128.load(X + i);
    v128.store(dX + i, v128.and(v128.load(dY + i), v128.and(f32x4.ge(x, vl), f32x4.le(x, vh))));
  }
  for (; i < nb; i += 4) {
    const x = load<f32>(X + i);
    store<f32>(dX + i, x >= lo && x <= hi ? load<f32>(dY + i) : 0);
  }
}

// DoReFa activations: Y = roundTiesToEven(clamp(x, 0, 1) * levels) / levels,
// levels = 2^k - 1. nearest() is round-half-to-even, as tf.round.
export function quantDorefaActivations(X: usize, n: i32, levels: f32, Y: usize): void {
  const z = f32x4.splat(0), one = f32x4.splat(1), l = f32x4.splat(levels);
  const nv = vecBytes(n), nb = <usize>n << 2;
  let i: usize = 0;
  for (; i < nv; i += 16) {
    const u = f32x4.min(f32x4.max(v128.load(X + i), z), one);
    v128.store(Y + i, f32x4.div(f32x4.nearest(f32x4.mul(u, l)), l));
  }
  for (; i < nb; i += 4) {
    const u = min<f32>(max<f32>(load<f32>(X + i), 0), 1);
    store<f32>(Y + i, nearest<f32>(u * levels) / levels);
  }
}

// DoReFa weights, first pass: T = tanh(X) (float32 tanh, as TensorFlow
// computes it); returns max |T|, the whole-tensor normaliser.
export function quantTanhAbsMax(X: usize, n: i32, T: usize): f32 {
  let m: f32 = 0;
  const nb = <usize>n << 2;
  for (let i: usize = 0; i < nb; i += 4) {
    const t = Mathf.tanh(load<f32>(X + i));
    store<f32>(T + i, t);
    m = max<f32>(m, abs<f32>(t));
  }
  return m;
}

// DoReFa weights, second pass: u = T / twoMax + 0.5 (u = 0.5 when twoMax is 0,
// TensorFlow's divide_no_nan), Y = 2 * nearest(u * levels) / levels - 1.
export function quantDorefaWeights(T: usize, n: i32, twoMax: f32, levels: f32, Y: usize): void {
  const nb = <usize>n << 2;
  for (let i: usize = 0; i < nb; i += 4) {
    const u: f32 = (twoMax == 0 ? <f32>0 : load<f32>(T + i) / twoMax) + <f32>0.5;
    store<f32>(Y + i, <f32>2 * (nearest<f32>(u * levels) / levels) - <f32>1);
  }
}

// DoReFa weights gradient: dX = (2 dY / twoMax) * (1 - T^2); 0 when twoMax is 0.
export function quantDorefaWeightsGrad(T: usize, dY: usize, n: i32, twoMax: f32, dX: usize): void {
  const nb = <usize>n << 2;
  for (let i: usize = 0; i < nb; i += 4) {
    const t = load<f32>(T + i);
    store<f32>(dX + i, twoMax == 0 ? <f32>0 : (<f32>2 * load<f32>(dY + i) / twoMax) * (<f32>1 - t * t));
  }
}

// Larq's FlipRatio on sign-binarized weights: S[i] = x[i] >= 0 ? 1 : -1 as
// int8, compared with the S of the previous step; returns how many did not
// change and leaves the new signs in S. 16 weights per step: four f32x4
// compares narrowed to one i8x16.
export function signFlipsUnchanged(X: usize, n: i32, S: usize): i32 {
  const z = f32x4.splat(0), one = i32x4.splat(1), neg = i32x4.splat(-1);
  let same = 0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = X + (<usize>i << 2);
    const s0 = v128.bitselect(one, neg, f32x4.ge(v128.load(p), z));
    const s1 = v128.bitselect(one, neg, f32x4.ge(v128.load(p, 16), z));
    const s2 = v128.bitselect(one, neg, f32x4.ge(v128.load(p, 32), z));
    const s3 = v128.bitselect(one, neg, f32x4.ge(v128.load(p, 48), z));
    const s = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(s0, s1), i16x8.narrow_i32x4_s(s2, s3));
    const q = S + <usize>i;
    same += <i32>popcnt<u32>(i8x16.bitmask(i8x16.eq(s, v128.load(q))));
    v128.store(q, s);
  }
  for (; i < n; i++) {
    const v: i8 = load<f32>(X + (<usize>i << 2)) >= 0 ? 1 : -1;
    if (load<i8>(S + <usize>i) == v) same++;
    store<i8>(S + <usize>i, v);
  }
  return same;
}
