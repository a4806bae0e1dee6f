// Float -> packed bits, for activations (NHWC) and weights (HWIO).
//
// Sign bits (planes = 1): bit 1 means x < 0, i.e. -1; x >= 0 (including -0
// and NaN) is bit 0, i.e. +1, as Larq's ste_sign maps sign(0) to +1.
// Bit planes (planes = 2, the 2-bit DoReFa grids): activation x in [0, 1]
// has code qa = round(3x); weight w in [-1, 1] has code qw = round(3(w+1)/2),
// i.e. w = (2qw - 3)/3; plane p holds bit p of the code.
//
// Activations: [N, H, W, C] f32 -> [N, Hp, Wp, CW*planes] u64 words with
// CW = ceil(C/64), channels LSB-first, word cw of plane p at cw*planes + p,
// unused channel bits 0. The output carries a border of padT/padB rows and
// padL/padR columns of zero words, so a conv can read its 'same' padding
// straight from the buffer: zero sign bits are +1 (Larq pad_values=1),
// zero plane bits are 0 (zero padding of unsigned activations).
//
// Weights: [KH, KW, C, OC] f32 -> panels of 4 output channels (the layout
// the micro-kernels walk, bmicro.ts): per panel, per kernel row kh, per pair
// of the row's L = KW*CW*planes words: 4 channels x 2 words. An odd L leaves
// a zero word at the end of each row; missing channels of the last panel are
// zero words.

// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return (a + b - 1) / b;
}

/** Bytes of bitpackWeights' output. */
export function bitpackWeightsBytes(KH: i32, KW: i32, C: i32, OC: i32, planes: i32): i32 {
  const L = KW * ceilDiv(C, 64) * planes;
  return ceilDiv(OC, 4) * KH * ((L + 1) >> 1) * 64;
}

// 16 lanes of 0/-1 (i32x4 masks m0..m3) -> 16 bits.
// @ts-ignore: decorator
@inline function bits16(m0: v128, m1: v128, m2: v128, m3: v128): u64 {
  return <u64>(<u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3))));
}

// Codes of 4 floats at p: planes 1 -> sign mask, 2 -> activation code.
// @ts-ignore: decorator
@inline function codes4(p: usize, planes: i32): v128 {
  const v = v128.load(p);
  if (planes == 1) return f32x4.lt(v, f32x4.splat(0));
  const q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v, f32x4.splat(3))));
  return i32x4.min_s(i32x4.max_s(q, i32x4.splat(0)), i32x4.splat(3));
}

// @ts-ignore: decorator
@inline function codeScalar(x: f32, planes: i32, weights: bool): i32 {
  if (planes == 1) return x < 0 ? 1 : 0;
  const q = <i32>nearest(weights ? (x + 1) * 1.5 : x * 3);
  return q < 0 ? 0 : q > 3 ? 3 : q;
}

// Packs `count` consecutive activations at src into words at dst
// (planes interleaved per word), zeroing bits past count.
function packRun(src: usize, count: i32, planes: i32, dst: usize): void {
  const zero = i32x4.splat(0);
  while (count > 0) {
    let w0: u64 = 0, w1: u64 = 0;
    const n = min(count, 64);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const p = src + (<usize>i << 2);
      const q0 = codes4(p, planes), q1 = codes4(p + 16, planes), q2 = codes4(p + 32, planes), q3 = codes4(p + 48, planes);
      if (planes == 1) {
        w0 |= bits16(q0, q1, q2, q3) << <u64>i;
      } else {
        const one = i32x4.splat(1), two = i32x4.splat(2);
        w0 |= bits16(i32x4.ne(v128.and(q0, one), zero), i32x4.ne(v128.and(q1, one), zero),
          i32x4.ne(v128.and(q2, one), zero), i32x4.ne(v128.and(q3, one), zero)) << <u64>i;
        w1 |= bits16(i32x4.ne(v128.and(q0, two), zero), i32x4.ne(v128.and(q1, two), zero),
          i32x4.ne(v128.and(q2, two), zero), i32x4.ne(v128.and(q3, two), zero)) << <u64>i;
      }
    }
    for (; i < n; i++) {
      const q = codeScalar(load<f32>(src + (<usize>i << 2)), planes, false);
      w0 |= <u64>(q & 1) << <u64>i;
      w1 |= <u64>(q >> 1) << <u64>i;
    }
    store<u64>(dst, w0);
    if (planes == 2) store<u64>(dst, w1, 8);
    dst += <usize>planes << 3;
    src += 256;
    count -= 64;
  }
}

/** Packs activations X[N,H,W,C] into the padded layout described above. */
export function bitpackNHWC(X: usize, N: i32, H: i32, W: i32, C: i32,
  padT: i32, padB: i32, padL: i32, padR: i32, planes: i32, out: usize): void {
  const pixWords = ceilDiv(C, 64) * planes;
  const pixBytes = <usize>pixWords << 3;
  const Wp = W + padL + padR;
  const rowBytes = <usize>Wp * pixBytes;
  // A whole row of pixels is one run when C fills its words exactly.
  const rowRun = (C & 63) == 0;
  for (let n = 0; n < N; n++) {
    memory.fill(out, 0, <usize>padT * rowBytes);
    out += <usize>padT * rowBytes;
    for (let y = 0; y < H; y++) {
      memory.fill(out, 0, <usize>padL * pixBytes);
      const d = out + <usize>padL * pixBytes;
      if (rowRun) packRun(X, W * C, planes, d);
      else for (let x = 0; x < W; x++) packRun(X + (<usize>(x * C) << 2), C, planes, d + <usize>x * pixBytes);
      memory.fill(d + <usize>W * pixBytes, 0, <usize>padR * pixBytes);
      X += <usize>(W * C) << 2;
      out += rowBytes;
    }
    memory.fill(out, 0, <usize>padB * rowBytes);
    out += <usize>padB * rowBytes;
  }
}

/**
 * Packs weights Wt[KH,KW,C,OC] into panels (planes 1: signs, 2: DoReFa
 * weight codes). Lanes of a v128 are 4 output channels, so the bits of one
 * word are gathered by shifting 32 channel masks into each lane.
 */
export function bitpackWeights(Wt: usize, KH: i32, KW: i32, C: i32, OC: i32, planes: i32, out: usize): void {
  const CW = ceilDiv(C, 64);
  const L = KW * CW * planes;
  const pairs = (L + 1) >> 1;
  const cStride = <usize>OC << 2;
  memory.fill(out, 0, <usize>bitpackWeightsBytes(KH, KW, C, OC, planes));
  for (let o = 0; o < OC; o += 4) {
    const nv = min(4, OC - o);
    const panel = out + <usize>(o >> 2) * <usize>KH * pairs * 64;
    for (let kh = 0; kh < KH; kh++) {
      const row = panel + <usize>kh * pairs * 64;
      for (let kw = 0; kw < KW; kw++) {
        const tap = Wt + <usize>(kh * KW + kw) * <usize>C * cStride + (<usize>o << 2);
        for (let cw = 0; cw < CW; cw++) {
          const c0 = cw << 6;
          const c1 = min(C, c0 + 64);
          // lo/hi: channels c0..c0+31 / c0+32..c0+63, plane 0 and plane 1
          let lo0 = i32x4.splat(0), hi0 = lo0, lo1 = lo0, hi1 = lo0;
          for (let c = c1 - 1; c >= c0; c--) {
            const p = tap + <usize>c * cStride;
            let q: v128;
            if (nv == 4) {
              const v = v128.load(p);
              if (planes == 1) q = i32x4.neg(f32x4.lt(v, f32x4.splat(0)));
              else q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.add(v, f32x4.splat(1)), f32x4.splat(1.5))));
            } else {
              // lane indices must be constants: the last panel has 1-3 channels
              q = i32x4.splat(codeScalar(load<f32>(p), planes, true));
              q = i32x4.replace_lane(q, 1, nv > 1 ? codeScalar(load<f32>(p + 4), planes, true) : 0);
              q = i32x4.replace_lane(q, 2, nv > 2 ? codeScalar(load<f32>(p + 8), planes, true) : 0);
              q = i32x4.replace_lane(q, 3, 0);
            }
            q = i32x4.min_s(i32x4.max_s(q, i32x4.splat(0)), i32x4.splat(3));
            const b0 = v128.and(q, i32x4.splat(1));
            const b1 = i32x4.shr_u(q, 1);
            if (c - c0 >= 32) {
              hi0 = v128.or(i32x4.shl(hi0, 1), b0);
              hi1 = v128.or(i32x4.shl(hi1, 1), b1);
            } else {
              lo0 = v128.or(i32x4.shl(lo0, 1), b0);
              lo1 = v128.or(i32x4.shl(lo1, 1), b1);
            }
          }
          for (let p = 0; p < planes; p++) {
            const lo = p == 0 ? lo0 : lo1, hi = p == 0 ? hi0 : hi1;
            const word = (kw * CW + cw) * planes + p;
            const dst = row + (<usize>(word >> 1) << 6) + (<usize>(word & 1) << 3);
            // lane j -> channel j's word: interleave lo/hi into u64 lanes
            const w01 = i32x4.shuffle(lo, hi, 0, 4, 1, 5);
            const w23 = i32x4.shuffle(lo, hi, 2, 6, 3, 7);
            v128.store64_lane(dst, w01, 0);
            v128.store64_lane(dst + 16, w01, 1);
            v128.store64_lane(dst + 32, w23, 0);
            v128.store64_lane(dst + 48, w23, 1);
          }
        }
      }
    }
  }
}

/**
 * Inverse of bitpackNHWC without border: P[N, H, W, CW*planes] -> f32
 * [N, H, W, C]: sign bits to ±1 (planes 1), activation codes to q/3 (planes 2).
 */
export function bitunpackNHWC(P: usize, N: i32, H: i32, W: i32, C: i32, planes: i32, out: usize): void {
  const pixWords = ceilDiv(C, 64) * planes;
  const pixels = N * H * W;
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < C; c++) {
      const w = P + (<usize>((c >> 6) * planes) << 3);
      const b0 = <i32>(load<u64>(w) >> <u64>(c & 63)) & 1;
      let v: f32;
      if (planes == 1) v = b0 ? -1 : 1;
      else v = <f32>(b0 + ((<i32>(load<u64>(w, 8) >> <u64>(c & 63)) & 1) << 1)) / 3;
      store<f32>(out, v);
      out += 4;
    }
    P += <usize>pixWords << 3;
  }
}
