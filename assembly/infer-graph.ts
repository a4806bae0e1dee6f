// Float kernels of the graph-form records (residual adds, concatenation,
// average pooling, padding, PReLU / LeakyReLU, depthwise convs). Each
// reproduces the float arithmetic of the training engine's op bit for bit:
// - add: f32 a + b (ops/add.ts);
// - average pool: per channel a float64 sum of the window's cells in (h, w)
//   order, times 1 / (cells inside the image) in float64, rounded to f32
//   once (ops/avgPool2d.ts, also its global form);
// - LeakyReLU: x > 0 ? x : f32(alpha·x) with alpha a float64 (ops/pointwise.ts);
//   PReLU: x > 0 ? x : f32(alpha[i mod A]·x);
// - depthwise: per output, y = f32(y + x·w) over the taps inside the input
//   in (kh, kw) order, the product and the sum in float64 as JavaScript's
//   Float32Array `+=` computes them (ops/depthwiseConv2d.ts), then the
//   folded BatchNorm y = f32(y·scale) + shift.
// SIMD variants sit behind `if (ASC_FEATURE_SIMD)` (the standalone module
// has none); they compute the same values lane by lane.

/** out = a + b over n floats. */
export function addFloats(a: usize, b: usize, n: i32, out: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const q = <usize>i << 2;
      v128.store(out + q, f32x4.add(v128.load(a + q), v128.load(b + q)));
    }
  }
  for (; i < n; i++) {
    const q = <usize>i << 2;
    store<f32>(out + q, load<f32>(a + q) + load<f32>(b + q));
  }
}

/** Channel concatenation of pix pixels: [A (CA channels), B (CB channels)]. */
export function concatChannels(a: usize, CA: i32, b: usize, CB: i32, pix: i32, out: usize): void {
  const ra = <usize>CA << 2, rb = <usize>CB << 2;
  for (let p = 0; p < pix; p++) {
    memory.copy(out, a, ra);
    memory.copy(out + ra, b, rb);
    a += ra;
    b += rb;
    out += ra + rb;
  }
}

/** Keras average pooling of f32 NHWC: cells outside the input are not counted. */
export function avgPoolFloat(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, OH: i32, OW: i32, out: usize): void {
  const pix = <usize>C << 2, rowBytes = <usize>W * pix;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * pix;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = max(0, oy * SH - padT), y1 = min(H, oy * SH - padT + KH);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = max(0, ox * SW - padL), x1 = min(W, ox * SW - padL + KW);
        const inv: f64 = 1.0 / <f64>((y1 - y0) * (x1 - x0));
        // the window's taps by stepped addresses, row by row: every channel's
        // sum in the same order
        const first = img + <usize>(y0 * W + x0) * pix, windowEnd = first + <usize>(y1 - y0) * rowBytes;
        const runBytes = <usize>(x1 - x0) * pix;
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          // 8 channels in four f64 accumulators across the window
          const scale = f64x2.splat(inv);
          for (; c + 8 <= C; c += 8) {
            const q = <usize>c << 2;
            let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
            for (let row = first + q; row < windowEnd + q; row += rowBytes) {
              for (let p = row, end = row + runBytes; p < end; p += pix) {
                const lo = v128.load(p), hi = v128.load(p, 16);
                a0 = f64x2.add(a0, f64x2.promote_low_f32x4(lo));
                a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i64x2.shuffle(lo, lo, 1, 0)));
                a2 = f64x2.add(a2, f64x2.promote_low_f32x4(hi));
                a3 = f64x2.add(a3, f64x2.promote_low_f32x4(i64x2.shuffle(hi, hi, 1, 0)));
              }
            }
            v128.store(out + q, i64x2.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(a0, scale)), f32x4.demote_f64x2_zero(f64x2.mul(a1, scale)), 0, 2));
            v128.store(out + q, i64x2.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(a2, scale)), f32x4.demote_f64x2_zero(f64x2.mul(a3, scale)), 0, 2), 16);
          }
          for (; c + 2 <= C; c += 2) {
            const q = <usize>c << 2;
            let acc = f64x2.splat(0);
            for (let row = first + q; row < windowEnd + q; row += rowBytes) {
              for (let p = row, end = row + runBytes; p < end; p += pix) acc = f64x2.add(acc, f64x2.promote_low_f32x4(v128.load64_zero(p)));
            }
            v128.store64_lane(out + q, f32x4.demote_f64x2_zero(f64x2.mul(acc, scale)), 0);
          }
        }
        for (; c < C; c++) {
          const q = <usize>c << 2;
          let acc: f64 = 0;
          for (let row = first + q; row < windowEnd + q; row += rowBytes) {
            for (let p = row, end = row + runBytes; p < end; p += pix) acc += <f64>load<f32>(p);
          }
          store<f32>(out + q, <f32>(acc * inv));
        }
        out += pix;
      }
    }
  }
}

/** Constant padding of f32 NHWC images. */
export function padFloat(X: usize, N: i32, H: i32, W: i32, C: i32, padT: i32, padL: i32, OH: i32, OW: i32,
  value: f32, out: usize): void {
  const total = N * OH * OW * C;
  let i = 0;
  if (reinterpret<u32>(value) == 0) {
    memory.fill(out, 0, <usize>total << 2);
    i = total;
  } else if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= total; i += 4) v128.store(out + (<usize>i << 2), v);
  }
  for (; i < total; i++) store<f32>(out + (<usize>i << 2), value);
  const row = <usize>W * C << 2;
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < H; y++) {
      memory.copy(out + ((<usize>(n * OH + y + padT) * OW + padL) * C << 2), X + (<usize>(n * H + y) * W * C << 2), row);
    }
  }
}

/** PReLU over n floats, slopes alpha[A] tiling them. */
export function preluFloat(X: usize, n: i32, alpha: usize, A: i32, out: usize): void {
  let j = 0;
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 2;
    const x = load<f32>(X + q);
    store<f32>(out + q, x > 0 ? x : load<f32>(alpha + (<usize>j << 2)) * x);
    if (++j == A) j = 0;
  }
}

/** LeakyReLU over n floats with a float64 slope. */
export function leakyFloat(X: usize, n: i32, alpha: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 2;
    const x = load<f32>(X + q);
    store<f32>(out + q, x > 0 ? x : <f32>(alpha * <f64>x));
  }
}

/** Depthwise conv of f32 NHWC with a [KH, KW, C, M] kernel (output channel c·M + m), zero padding, then scale/shift (0 = none). */
export function depthwiseFloat(X: usize, N: i32, H: i32, W: i32, C: i32, M: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, OH: i32, OW: i32, w: usize, scale: usize, shift: usize, out: usize): void {
  const CM = C * M;
  const pix = <usize>C << 2, opix = <usize>CM << 2;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * pix;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        memory.fill(out, 0, opix);
        for (let kh = 0; kh < KH; kh++) {
          const iy = oy * SH + kh - padT;
          if (iy < 0 || iy >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ix = ox * SW + kw - padL;
            if (ix < 0 || ix >= W) continue;
            const xp = img + <usize>(iy * W + ix) * pix;
            const wp = w + (<usize>(kh * KW + kw) * CM << 2);
            let o = 0;
            if (ASC_FEATURE_SIMD && M == 1) {
              for (; o + 2 <= C; o += 2) {
                const q = <usize>o << 2;
                const prod = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp + q)), f64x2.promote_low_f32x4(v128.load64_zero(wp + q)));
                const sum = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(out + q)), prod);
                v128.store64_lane(out + q, f32x4.demote_f64x2_zero(sum), 0);
              }
            }
            for (; o < CM; o++) {
              const q = <usize>o << 2;
              const xv = <f64>load<f32>(xp + (<usize>(o / M) << 2));
              store<f32>(out + q, <f32>(<f64>load<f32>(out + q) + xv * <f64>load<f32>(wp + q)));
            }
          }
        }
        if (scale || shift) {
          for (let o = 0; o < CM; o++) {
            const q = <usize>o << 2;
            let y = load<f32>(out + q);
            if (scale) y = y * load<f32>(scale + q);
            if (shift) y = y + load<f32>(shift + q);
            store<f32>(out + q, y);
          }
        }
        out += opix;
      }
    }
  }
}
