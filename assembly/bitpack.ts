// Float -> packed bits, for activations (NHWC) and weights (HWIO).
//
// Sign bits (planes = 1): bit 1 means x < 0, i.e. -1; x >= 0 (including -0
// and NaN) is bit 0, i.e. +1, as Larq's ste_sign maps sign(0) to +1.
// Bit planes (planes = 2, the 2-bit DoReFa grids): activation x has code
// qa = round(3x) clamped to 0..3 (DoReFa's clip to [0, 1] then round half to
// even, so unquantized activations pack to their DoReFa codes); weight w has
// code qw = round(3(w+1)/2) clamped, i.e. w = (2qw - 3)/3 on the grid; plane
// p holds bit p of the code.
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

/** Bytes of bitpackWeights' workspace (two 64x64 bit blocks). */
export function bitpackWeightsWorkspaceBytes(): i32 {
  return 1024;
}

/** Bytes of bitpackWeights' output. */
export function bitpackWeightsBytes(KH: i32, KW: i32, C: i32, OC: i32, planes: i32): i32 {
  const L = KW * ceilDiv(C, 64) * planes;
  return ceilDiv(OC, 4) * KH * ((L + 1) >> 1) * 64;
}

// 16 lanes of 0/-1 (i32x4 masks m0..m3) -> 16 bits.
// @ts-ignore: decorator
@inline export function bits16(m0: v128, m1: v128, m2: v128, m3: v128): u64 {
  return <u64>(<u32>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3))));
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
  const zero = f32x4.splat(0), k3 = f32x4.splat(3), k05 = f32x4.splat(0.5), k15 = f32x4.splat(1.5), k25 = f32x4.splat(2.5);
  while (count > 0) {
    let w0: u64 = 0, w1: u64 = 0;
    const n = min(count, 64);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const p = src + (<usize>i << 2);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      if (planes == 1) {
        w0 |= bits16(f32x4.lt(v0, zero), f32x4.lt(v1, zero), f32x4.lt(v2, zero), f32x4.lt(v3, zero)) << <u64>i;
      } else {
        // u = 3x, the DoReFa activation code before rounding
        const u0 = f32x4.mul(v0, k3), u1 = f32x4.mul(v1, k3), u2 = f32x4.mul(v2, k3), u3 = f32x4.mul(v3, k3);
        w0 |= bits16(plane0(u0, k05, k15, k25), plane0(u1, k05, k15, k25), plane0(u2, k05, k15, k25), plane0(u3, k05, k15, k25)) << <u64>i;
        w1 |= bits16(f32x4.ge(u0, k15), f32x4.ge(u1, k15), f32x4.ge(u2, k15), f32x4.ge(u3, k15)) << <u64>i;
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
 * weight codes). A panel word holds one output channel's bits over 64 input
 * channels, while Wt's rows run over output channels: each 64 x 64 block is
 * read row by row (contiguous floats, one u64 of bits per input channel),
 * bit-transposed in the workspace (bitpackWeightsWorkspaceBytes) and
 * written to the 64 words it occupies.
 * Output channels past the last multiple of 64 go 4 at a time (packLanes).
 */
export function bitpackWeights(Wt: usize, KH: i32, KW: i32, C: i32, OC: i32, planes: i32, out: usize, ws: usize): void {
  const CW = ceilDiv(C, 64);
  const pairs = (KW * CW * planes + 1) >> 1;
  const panelBytes = <usize>KH * pairs * 64;
  const cStride = <usize>OC << 2;
  const OC64 = OC & ~63;
  const zero = f32x4.splat(0), k1 = f32x4.splat(1), k05 = f32x4.splat(0.5), k15 = f32x4.splat(1.5), k25 = f32x4.splat(2.5);
  memory.fill(out, 0, <usize>bitpackWeightsBytes(KH, KW, C, OC, planes));
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const tap = Wt + <usize>(kh * KW + kw) * <usize>C * cStride;
      for (let cw = 0; cw < CW; cw++) {
        const c0 = cw << 6;
        const n = min(C, c0 + 64) - c0;
        const word = (kw * CW + cw) * planes; // plane p is word + p
        const wordOff = <usize>kh * pairs * 64 + (<usize>(word >> 1) << 6) + (<usize>(word & 1) << 3);
        for (let o0 = 0; o0 < OC64; o0 += 64) {
          const base = out + <usize>(o0 >> 2) * panelBytes + wordOff;
          for (let r = 0; r < 64; r++) {
            let m0: u64 = 0, m1: u64 = 0;
            if (r < n) {
              const src = tap + <usize>(c0 + r) * cStride + (<usize>o0 << 2);
              for (let i = 0; i < 64; i += 16) {
                const p = src + (<usize>i << 2);
                if (planes == 1) {
                  m0 |= bits16(f32x4.lt(v128.load(p), zero), f32x4.lt(v128.load(p, 16), zero),
                    f32x4.lt(v128.load(p, 32), zero), f32x4.lt(v128.load(p, 48), zero)) << <u64>i;
                } else {
                  // u = (w + 1) * 1.5, the DoReFa weight code before rounding
                  const q0 = f32x4.mul(f32x4.add(v128.load(p), k1), k15), q1 = f32x4.mul(f32x4.add(v128.load(p, 16), k1), k15);
                  const q2 = f32x4.mul(f32x4.add(v128.load(p, 32), k1), k15), q3 = f32x4.mul(f32x4.add(v128.load(p, 48), k1), k15);
                  m0 |= bits16(plane0(q0, k05, k15, k25), plane0(q1, k05, k15, k25), plane0(q2, k05, k15, k25), plane0(q3, k05, k15, k25)) << <u64>i;
                  m1 |= bits16(f32x4.ge(q0, k15), f32x4.ge(q1, k15), f32x4.ge(q2, k15), f32x4.ge(q3, k15)) << <u64>i;
                }
              }
            }
            store<u64>(ws + (<usize>r << 3), m0);
            store<u64>(ws + (<usize>r << 3), m1, 512);
          }
          for (let p = 0; p < planes; p++) {
            const blk = ws + (<usize>p << 9);
            transpose64(blk);
            for (let j = 0; j < 64; j++) store<u64>(slot(base, panelBytes, j) + (<usize>p << 3), load<u64>(blk + (<usize>j << 3)));
          }
        }
        for (let o = OC64; o < OC; o += 4) {
          packLanes(tap + (<usize>o << 2), cStride, c0, c0 + n, min(4, OC - o), planes,
            out + <usize>(o >> 2) * panelBytes + wordOff);
        }
      }
    }
  }
}

// Planes of the 2-bit code q = clamp(round(u), 0, 3), round half to even as
// f32x4.nearest, straight from compares (q >= 1 <=> u > 0.5, q >= 2 <=>
// u >= 1.5, q >= 3 <=> u > 2.5; bit 0 = parity = their xor): no rounding or
// conversion instructions (2-bit weight packing 76 -> 43 ms at 4096x4096).
// The splatted constants come from the caller, hoisted out of the loops.
// @ts-ignore: decorator
@inline function plane0(u: v128, k05: v128, k15: v128, k25: v128): v128 {
  return v128.xor(v128.xor(f32x4.gt(u, k05), f32x4.ge(u, k15)), f32x4.gt(u, k25));
}

// Word of lane j of a 64-channel group: panel j/4, slot j%4.
// @ts-ignore: decorator
@inline function slot(base: usize, panelBytes: usize, j: i32): usize {
  return base + <usize>(j >> 2) * panelBytes + (<usize>(j & 3) << 4);
}

// In-place transpose of the 64x64 bit matrix of 64 consecutive u64 rows, bit
// c of row r becoming bit r of row c: swap the off-diagonal halves of ever
// smaller blocks (32, 16, ..., 1). Done in a contiguous block because the
// rows' final places are a panel apart, and 16 panels 4 KB apart fall in one
// L1 set (12 ways): transposing there missed on every access.
function transpose64(base: usize): void {
  let j = 32;
  let m: u64 = 0x00000000ffffffff;
  while (j != 0) {
    for (let k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      const pa = base + (<usize>k << 3), pb = base + (<usize>(k | j) << 3);
      const a = load<u64>(pa), b = load<u64>(pb);
      const t = ((a >> <u64>j) ^ b) & m;
      store<u64>(pb, b ^ t);
      store<u64>(pa, a ^ (t << <u64>j));
    }
    j >>= 1;
    m ^= m << <u64>j;
  }
}

// Up to 4 output channels (lanes of a v128) at src = &Wt[tap][0][o]: the bits
// of input channels c0..c1-1 are shifted into each lane, 32 per half.
function packLanes(src: usize, cStride: usize, c0: i32, c1: i32, nv: i32, planes: i32, dst: usize): void {
  let lo0 = i32x4.splat(0), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  for (let c = c1 - 1; c >= c0; c--) {
    const p = src + <usize>c * cStride;
    // lane indices must be constants: the last panel has 1-3 channels
    let q = i32x4.splat(codeScalar(load<f32>(p), planes, true));
    q = i32x4.replace_lane(q, 1, nv > 1 ? codeScalar(load<f32>(p + 4), planes, true) : 0);
    q = i32x4.replace_lane(q, 2, nv > 2 ? codeScalar(load<f32>(p + 8), planes, true) : 0);
    q = i32x4.replace_lane(q, 3, nv > 3 ? codeScalar(load<f32>(p + 12), planes, true) : 0);
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
    const d = dst + (<usize>p << 3);
    // lane j -> channel j's word: interleave lo/hi into u64 lanes
    const w01 = i32x4.shuffle(lo, hi, 0, 4, 1, 5);
    const w23 = i32x4.shuffle(lo, hi, 2, 6, 3, 7);
    v128.store64_lane(d, w01, 0);
    v128.store64_lane(d + 16, w01, 1);
    v128.store64_lane(d + 32, w23, 0);
    v128.store64_lane(d + 48, w23, 1);
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
