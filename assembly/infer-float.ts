// Float kernels of the inference engine. Each reproduces, bit for bit, the
// float32 arithmetic the training engine performs for the same layer, so that
// a compiled model predicts exactly what model.predict() does:
// - products are summed per output in (kh, kw, c) order starting from +0,
//   in blocks of KC = 512 taps whose partial sums are added in order (what
//   sgemm.ts computes for im2col rows; no FMA in WebAssembly);
// - BatchNorm is y = f32(f32(x*scale) + shift) with the scale/shift of
//   ops/batchNorm.ts; max-pool keeps the first maximum (strictly greater
//   replaces), as pool.ts.
// SIMD variants sit behind `if (ASC_FEATURE_SIMD)`, which the compiler
// resolves statically: the standalone module is built without SIMD.
import { OUT_BITS, words } from "./infer-bits";

/** sgemm's K block: partial sums of this many taps are added together. */
export const KC: i32 = 512;

/**
 * Patch rows for a float conv: for output pixels (n, oy < CH, ox < CW), the
 * KH*KW*C window values in (kh, kw, c) order; taps outside the input hold
 * padValue (0 for Keras "same", Larq pad_values otherwise).
 */
export function floatIm2col(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, CH: i32, CW: i32, padValue: f32, out: usize): void {
  const run = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * run;
    for (let oy = 0; oy < CH; oy++) {
      for (let ox = 0; ox < CW; ox++) {
        for (let kh = 0; kh < KH; kh++) {
          const iy = oy * SH - padT + kh;
          for (let kw = 0; kw < KW; kw++) {
            const ix = ox * SW - padL + kw;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
              for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), padValue);
            } else {
              const src = img + <usize>(iy * W + ix) * run;
              // a call into memory.copy costs more than a few word moves
              if (C <= 16) for (let c = 0; c < C; c++) store<u32>(out + (<usize>c << 2), load<u32>(src + (<usize>c << 2)));
              else memory.copy(out, src, run);
            }
            out += run;
          }
        }
      }
    }
  }
}

/** Portable C[M,N] = A[M,K] * B[K,N] with sgemm's summation order (see above). */
export function floatGemmScalar(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, C: usize): void {
  for (let m = 0; m < M; m++) {
    const a = A + (<usize>m * lda << 2);
    const c = C + (<usize>m * N << 2);
    for (let o = 0; o < N; o++) {
      let total: f32 = 0;
      for (let k0 = 0; k0 < K; k0 += KC) {
        const k1 = min(K, k0 + KC);
        let acc: f32 = 0;
        for (let k = k0; k < k1; k++) acc += load<f32>(a + (<usize>k << 2)) * load<f32>(B + ((<usize>k * N + o) << 2));
        total = k0 == 0 ? acc : acc + total;
      }
      store<f32>(c + (<usize>o << 2), total);
    }
  }
}

/**
 * Output transform of float sums v[M, OC] into out: mode OUT_BITS writes bit
 * o = (v ^ flipMask[o]) < thr[o] (flipMask 0x80000000 negates); otherwise
 * y = f32(v*scale[o]) + shift[o] (shift 0 = none; scale 0 = no transform).
 */
export function floatEpilogue(V: usize, M: i32, OC: i32, mode: i32, p1: usize, p2: usize, out: usize): void {
  const cw = words(OC);
  for (let m = 0; m < M; m++) {
    if (mode == OUT_BITS) {
      for (let j = 0; j < cw; j++) {
        let w: u64 = 0;
        const n = min(64, OC - (j << 6));
        for (let c = 0; c < n; c++) {
          const q = <usize>((j << 6) + c) << 2;
          const v = reinterpret<f32>(reinterpret<u32>(load<f32>(V + q)) ^ load<u32>(p2 + q));
          if (v < load<f32>(p1 + q)) w |= (<u64>1) << <u64>c;
        }
        store<u64>(out + (<usize>j << 3), w);
      }
      out += <usize>cw << 3;
    } else {
      for (let o = 0; o < OC; o++) {
        const q = <usize>o << 2;
        let y = load<f32>(V + q);
        if (p1) y = y * load<f32>(p1 + q) + (p2 ? load<f32>(p2 + q) : <f32>0);
        store<f32>(out + q, y);
      }
      out += <usize>OC << 2;
    }
    V += <usize>OC << 2;
  }
}

/** Max-pool of f32 NHWC (window cells outside the input skipped; first maximum kept). */
export function floatMaxPool(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, OH: i32, OW: i32, out: usize): void {
  const pix = <usize>C << 2, rowBytes = <usize>W * pix;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * pix;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = max(0, oy * SH - padT), y1 = min(H, oy * SH - padT + KH);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = max(0, ox * SW - padL), x1 = min(W, ox * SW - padL + KW);
        // the window's taps by stepped addresses, row by row: every channel
        // meets them in the same order (the first tap twice: max(b, b) = b)
        const first = img + <usize>(y0 * W + x0) * pix, windowEnd = first + <usize>(y1 - y0) * rowBytes;
        const runBytes = <usize>(x1 - x0) * pix;
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          // 16 channels in four registers across the window
          for (; c + 16 <= C; c += 16) {
            const q = <usize>c << 2;
            let b0 = v128.load(first + q), b1 = v128.load(first + q, 16), b2 = v128.load(first + q, 32), b3 = v128.load(first + q, 48);
            for (let row = first + q; row < windowEnd + q; row += rowBytes) {
              for (let p = row, end = row + runBytes; p < end; p += pix) {
                b0 = f32x4.pmax(b0, v128.load(p));
                b1 = f32x4.pmax(b1, v128.load(p, 16));
                b2 = f32x4.pmax(b2, v128.load(p, 32));
                b3 = f32x4.pmax(b3, v128.load(p, 48));
              }
            }
            v128.store(out + q, b0);
            v128.store(out + q, b1, 16);
            v128.store(out + q, b2, 32);
            v128.store(out + q, b3, 48);
          }
          for (; c + 4 <= C; c += 4) {
            const q = <usize>c << 2;
            let best = v128.load(first + q);
            for (let row = first + q; row < windowEnd + q; row += rowBytes) {
              // pmax(b, v) = b < v ? v : b: a later equal value never replaces
              for (let p = row, end = row + runBytes; p < end; p += pix) best = f32x4.pmax(best, v128.load(p));
            }
            v128.store(out + q, best);
          }
        }
        for (; c < C; c++) {
          const q = <usize>c << 2;
          let best = load<f32>(first + q);
          for (let row = first + q; row < windowEnd + q; row += rowBytes) {
            for (let p = row, end = row + runBytes; p < end; p += pix) {
              const v = load<f32>(p);
              if (v > best) best = v;
            }
          }
          store<f32>(out + q, best);
        }
        out += pix;
      }
    }
  }
}

/** In place over rows of C channels: x = f32(x*scale[c]) + shift[c] (either array may be 0 = absent). */
export function channelAffine(X: usize, rows: i32, C: i32, scale: usize, shift: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const q = <usize>c << 2;
      let v = load<f32>(X + q);
      if (scale) v = v * load<f32>(scale + q);
      if (shift) v = v + load<f32>(shift + q);
      store<f32>(X + q, v);
    }
    X += <usize>C << 2;
  }
}

export const ACT_RELU: i32 = 1;
export const ACT_HARD_TANH: i32 = 2;
export const ACT_SIGN: i32 = 3;

/** In place: relu x > 0 ? x : 0; hard_tanh clamp(x, -1, 1) (elementwise.ts); sign x >= 0 ? 1 : -1 (quantize.ts quantSign). */
export function activate(X: usize, n: i32, kind: i32): void {
  for (let i = 0; i < n; i++) {
    const p = X + (<usize>i << 2);
    const x = load<f32>(p);
    if (kind == ACT_RELU) store<f32>(p, x > 0 ? x : 0);
    else if (kind == ACT_SIGN) store<f32>(p, x >= 0 ? 1 : -1);
    else {
      const t: f32 = <f32>-1 < x ? x : -1;
      store<f32>(p, t < 1 ? t : 1);
    }
  }
}
