// Bit-level kernels of the inference engine (infer-exec.ts) that the
// training kernels do not have. v128 only behind ASC_FEATURE_SIMD: the
// standalone module (infer.ts) is built without SIMD so that wasm2c can
// translate it, and the shared module reuses the same code.
//
// Packed tensors are NHWC with the channels of a pixel LSB-first in u64
// words, bit 1 = -1 (bitpack.ts), bits past C zero; 2-bit codes keep their
// two planes interleaved per word (word cw of plane p at 2*cw + p).
// Every producer here keeps the bits past C zero, which the consumers rely on.

// @ts-ignore: decorator
@inline export function words(C: i32): i32 {
  return (C + 63) >> 6;
}

// ORs the low `n` bits of `w` (bits >= n already zero) into the bit stream
// whose words are `stride` words apart, at bit offset `off`.
// @ts-ignore: decorator
@inline function putBits(dst: usize, stride: usize, off: i32, w: u64, n: i32): void {
  const q = dst + (<usize>(off >> 6) * stride << 3);
  const sh = off & 63;
  store<u64>(q, load<u64>(q) | (w << <u64>sh));
  if (sh != 0 && sh + n > 64) {
    const q1 = q + (stride << 3);
    store<u64>(q1, load<u64>(q1) | (w >> <u64>(64 - sh)));
  }
}

// Appends the C channel bits of one pixel (planes interleaved) at bit `off`
// of each plane of the row.
// @ts-ignore: decorator
@inline function appendPixel(row: usize, src: usize, C: i32, planes: i32, off: i32): void {
  const cw = words(C);
  for (let p = 0; p < planes; p++) {
    for (let j = 0; j < cw; j++) {
      const n = min(64, C - (j << 6));
      putBits(row + (<usize>p << 3), <usize>planes, off + (j << 6), load<u64>(src + (<usize>(j * planes + p) << 3)), n);
    }
  }
}

// The word of pixel (iy, ix) of a one-word-per-pixel image, 0 outside it.
// @ts-ignore: decorator
@inline function word32(img: usize, H: i32, W: i32, iy: i32, ix: i32): u64 {
  return <u32>iy < <u32>H && <u32>ix < <u32>W ? load<u64>(img + (<usize>(iy * W + ix) << 3)) : 0;
}

/**
 * Bit im2col: for output pixels (n, oy < CH, ox < CW) of a KHxKW conv, a row
 * of the K = KH*KW*C window bits in (kh, kw, c) order, the order of the
 * packed weight rows, each plane ceil(K/64) words (planes interleaved).
 * Taps outside the input stay 0: +1 for signs (pad_values = 1) or code 0
 * for 2-bit activations; sign layers with pad_values = 0 correct the dot
 * afterwards (intEpilogue).
 */
export function bitIm2col(X: usize, N: i32, H: i32, W: i32, C: i32, planes: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, padT: i32, padL: i32, CH: i32, CW: i32, out: usize): void {
  const pix = <usize>(words(C) * planes) << 3;
  const rowBytes = <usize>(words(KH * KW * C) * planes) << 3;
  // whole 32-bit halves land on 32-bit boundaries: plain copies, no shifts
  const halves = planes == 1 && (C & 31) == 0;
  const tapBytes = <usize>C >> 3;
  let row = out;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * pix;
    for (let oy = 0; oy < CH; oy++) {
      // the windows of this output row inside the image, [runA, runB), on
      // 3x3 convs whose rows take plain copies (kernel module): one loop
      // of pointer steps (interiorRun3x3)
      let runA = -1, runB = -1;
      if (ASC_FEATURE_SIMD && vectorRuns(C, planes, KH, KW)) {
        const iy = oy * SH - padT;
        if (iy >= 0 && iy + 3 <= H && W >= 3) {
          // first ox with ox * SW >= padL, last with ox * SW - padL + 3 <= W
          runA = padL <= 0 ? 0 : (padL + SW - 1) / SW;
          runB = W - 3 + padL < 0 ? 0 : min(CW, (W - 3 + padL) / SW + 1);
        }
      }
      for (let ox = 0; ox < CW; ox++) {
        const iy0 = oy * SH - padT, ix0 = ox * SW - padL;
        if (ASC_FEATURE_SIMD) {
          if (ox == runA && runA < runB) {
            row = interiorRun3x3(img + <usize>(iy0 * W + ix0) * pix, W, C, pix, SW, runB - runA, row, rowBytes);
            ox = runB - 1;
            continue;
          }
        }
        if (C == 32 && planes == 1 && KH == 3 && KW == 3) {
          // 32 channels in one word per pixel, 3x3: the nine low halves
          // paired into five words (high halves are 0: bits past C are);
          // taps outside the image read as 0 (bit 0, +1)
          // (inside the image: interiorRun3x3 in the kernel module)
          const inside = iy0 >= 0 && iy0 + 3 <= H && ix0 >= 0 && ix0 + 3 <= W;
          let a0: u64, a1: u64, a2: u64, b0: u64, b1: u64, b2: u64, c0: u64, c1: u64, c2: u64;
          if (inside) {
            const r0 = img + <usize>(iy0 * W + ix0) * 8, r1 = r0 + (<usize>W << 3), r2 = r1 + (<usize>W << 3);
            a0 = load<u64>(r0); a1 = load<u64>(r0, 8); a2 = load<u64>(r0, 16);
            b0 = load<u64>(r1); b1 = load<u64>(r1, 8); b2 = load<u64>(r1, 16);
            c0 = load<u64>(r2); c1 = load<u64>(r2, 8); c2 = load<u64>(r2, 16);
          } else {
            a0 = word32(img, H, W, iy0, ix0); a1 = word32(img, H, W, iy0, ix0 + 1); a2 = word32(img, H, W, iy0, ix0 + 2);
            b0 = word32(img, H, W, iy0 + 1, ix0); b1 = word32(img, H, W, iy0 + 1, ix0 + 1); b2 = word32(img, H, W, iy0 + 1, ix0 + 2);
            c0 = word32(img, H, W, iy0 + 2, ix0); c1 = word32(img, H, W, iy0 + 2, ix0 + 1); c2 = word32(img, H, W, iy0 + 2, ix0 + 2);
          }
          store<u64>(row, a0 | (a1 << 32));
          store<u64>(row, a2 | (b0 << 32), 8);
          store<u64>(row, b1 | (b2 << 32), 16);
          store<u64>(row, c0 | (c1 << 32), 24);
          store<u64>(row, c2, 32);
          row += rowBytes;
          continue;
        }
        if (halves && iy0 >= 0 && iy0 + KH <= H && ix0 >= 0 && ix0 + KW <= W) {
          // a window inside the image: its rows are runs of KW pixels
          let dst = row;
          if (tapBytes == pix) {
            // whole words per pixel: each window row is one contiguous run,
            // copied by words (a run is a few words; memory.copy is a call in V8)
            const run = <usize>KW * pix;
            for (let kh = 0; kh < KH; kh++) {
              const src = img + <usize>((iy0 + kh) * W + ix0) * pix;
              for (let b: usize = 0; b < run; b += 8) store<u64>(dst + b, load<u64>(src + b));
              dst += run;
            }
          } else if (tapBytes == 4) {
            // 32 channels: the low halves of the pixel words, one after another
            for (let kh = 0; kh < KH; kh++) {
              const src = img + <usize>((iy0 + kh) * W + ix0) * pix;
              for (let kw = 0; kw < KW; kw++) {
                store<u32>(dst, load<u32>(src + (<usize>kw << 3)));
                dst += 4;
              }
            }
          } else {
            for (let kh = 0; kh < KH; kh++) {
              const src = img + <usize>((iy0 + kh) * W + ix0) * pix;
              for (let kw = 0; kw < KW; kw++) {
                for (let b: usize = 0; b < tapBytes; b += 4) store<u32>(dst + b, load<u32>(src + <usize>kw * pix + b));
                dst += tapBytes;
              }
            }
          }
          for (let q = dst; q < row + rowBytes; q += 4) store<u32>(q, 0);
          row += rowBytes;
          continue;
        }
        for (let q: usize = 0; q < rowBytes; q += 8) store<u64>(row + q, 0);
        for (let kh = 0; kh < KH; kh++) {
          const iy = iy0 + kh;
          if (iy < 0 || iy >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ix = ix0 + kw;
            if (ix < 0 || ix >= W) continue;
            const src = img + <usize>(iy * W + ix) * pix;
            const t = kh * KW + kw;
            if (halves) {
              const dst = row + <usize>t * tapBytes;
              if ((tapBytes & 7) == 0) {
                for (let b: usize = 0; b < tapBytes; b += 8) store<u64>(dst + b, load<u64>(src + b));
              } else {
                for (let b: usize = 0; b < tapBytes; b += 4) store<u32>(dst + b, load<u32>(src + b));
              }
            } else appendPixel(row, src, C, planes, t * C);
          }
        }
        row += rowBytes;
      }
    }
  }
}

/** Whether bitIm2col copies this conv's windows inside the image as vector runs (interiorRun3x3, kernel module). */
export function vectorRuns(C: i32, planes: i32, KH: i32, KW: i32): bool {
  return ASC_FEATURE_SIMD && planes == 1 && KH == 3 && KW == 3 && (C == 32 || C == 64 || (C & 127) == 0);
}

// count consecutive 3x3 windows inside the image, the first's top-left
// pixel at p, SW pixels apart: their bit im2col rows from row on (returns
// the row after them). C = 32 (the low halves of one-word pixels, paired
// into five words as in bitIm2col), 64 or a multiple of 128 (each window
// row a run of three whole pixels, whole vectors); vector copies, no
// per-window tests.
// @ts-ignore: decorator
@inline function interiorRun3x3(p: usize, W: i32, C: i32, pix: usize, SW: i32, count: i32, row: usize, rowBytes: usize): usize {
  const line = <usize>W * pix, step = <usize>SW * pix;
  if (C == 32) {
    // a pixel word's high half is 0, so the low halves pair up by one
    // 32-bit lane shuffle per two words
    for (let i = 0; i < count; i++) {
      const r1 = p + line, r2 = r1 + line;
      const a2b0 = v128.load64_lane(r1, v128.load64_zero(p, 16), 1);
      v128.store(row, i32x4.shuffle(v128.load(p), a2b0, 0, 2, 4, 6));
      v128.store(row, i32x4.shuffle(v128.load(r1, 8), v128.load(r2), 0, 2, 4, 6), 16);
      store<u64>(row, load<u64>(r2, 16), 32);
      p += step;
      row += rowBytes;
    }
  } else if (C == 64) {
    for (let i = 0; i < count; i++) {
      const r1 = p + line, r2 = r1 + line;
      v128.store(row, v128.load(p));
      store<u64>(row, load<u64>(p, 16), 16);
      v128.store(row, v128.load(r1), 24);
      store<u64>(row, load<u64>(r1, 16), 40);
      v128.store(row, v128.load(r2), 48);
      store<u64>(row, load<u64>(r2, 16), 64);
      p += step;
      row += rowBytes;
    }
  } else {
    const run = pix * 3;
    for (let i = 0; i < count; i++) {
      let src = p, dst = row;
      for (let kh = 0; kh < 3; kh++) {
        for (let b: usize = 0; b < run; b += 16) v128.store(dst + b, v128.load(src + b));
        src += line;
        dst += run;
      }
      p += step;
      row += rowBytes;
    }
  }
  return row;
}

/**
 * Packed pixels X[N, H, W, cw words] into the zero-bordered layout bconv2d
 * and windowRows (infer-windows.ts) read: [N, H+pT+pB, W+pL+pR, cw], the
 * border words 0.
 */
export function padBits(X: usize, N: i32, H: i32, W: i32, cw: i32, pT: i32, pB: i32, pL: i32, pR: i32, out: usize): void {
  const pix = <usize>cw << 3;
  const rowIn = <usize>W * pix, rowOut = <usize>(W + pL + pR) * pix;
  const left = <usize>pL * pix, right = <usize>pR * pix;
  for (let n = 0; n < N; n++) {
    zeroBytes(out, <usize>pT * rowOut);
    out += <usize>pT * rowOut;
    for (let y = 0; y < H; y++) {
      zeroBytes(out, left);
      copyBytes(out + left, X, rowIn);
      zeroBytes(out + left + rowIn, right);
      X += rowIn;
      out += rowOut;
    }
    zeroBytes(out, <usize>pB * rowOut);
    out += <usize>pB * rowOut;
  }
}

// Zeros and copies of a multiple of 8 bytes: by vectors in the kernel
// module (memory.fill and memory.copy are calls in V8, too dear three times
// per row of a small image), else by the bulk-memory operations.
// @ts-ignore: decorator
@inline function zeroBytes(p: usize, bytes: usize): void {
  if (ASC_FEATURE_SIMD) {
    const end = p + bytes;
    for (; p + 16 <= end; p += 16) v128.store(p, i64x2.splat(0));
    if (p < end) store<u64>(p, 0);
  } else memory.fill(p, 0, bytes);
}
// @ts-ignore: decorator
@inline function copyBytes(dst: usize, src: usize, bytes: usize): void {
  if (ASC_FEATURE_SIMD) {
    let k: usize = 0;
    for (; k + 16 <= bytes; k += 16) v128.store(dst + k, v128.load(src + k));
    if (k < bytes) store<u64>(dst + k, load<u64>(src + k));
  } else memory.copy(dst, src, bytes);
}

/** Flatten of packed pixels: [N, HW pixels of C channels] -> [N, 1 row of HW*C channels]. */
export function bitFlatten(X: usize, N: i32, HW: i32, C: i32, planes: i32, out: usize): void {
  const pix = <usize>(words(C) * planes) << 3;
  const rowBytes = <usize>(words(HW * C) * planes) << 3;
  for (let n = 0; n < N; n++) {
    memory.fill(out, 0, rowBytes);
    for (let i = 0; i < HW; i++) appendPixel(out, X + <usize>i * pix, C, planes, i * C);
    X += <usize>HW * pix;
    out += rowBytes;
  }
}

/**
 * Max-pool of ±1 values on bits. Where mask bit c is 0 the pool is the AND
 * of the window (max of ±1 is -1 only if all are -1); where it is 1, the OR:
 * those channels hold sign(g(y)) for a decreasing g, and
 * sign(g(max y)) = sign(min g(y)). Cells outside the input are skipped.
 */
export function bitMaxPool(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, OH: i32, OW: i32, mask: usize, out: usize): void {
  const cw = words(C);
  const pix = <usize>cw << 3;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * pix;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = max(0, oy * SH - padT), y1 = min(H, oy * SH - padT + KH);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = max(0, ox * SW - padL), x1 = min(W, ox * SW - padL + KW);
        for (let j = 0; j < cw; j++) {
          const m: u64 = mask ? load<u64>(mask + (<usize>j << 3)) : 0;
          let acc: u64 = y0 < y1 && x0 < x1 ? <u64>-1 : 0;
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) acc &= load<u64>(img + <usize>(y * W + x) * pix + (<usize>j << 3)) ^ m;
          }
          store<u64>(out + (<usize>j << 3), acc ^ m);
        }
        out += pix;
      }
    }
  }
}

/** Signs of f32 values to bits: 1 where !(x >= 0), i.e. -1 as Larq's sign (and NaN -> -1 as quantSign). */
export function packSigns(X: usize, pixels: i32, C: i32, out: usize): void {
  const cw = words(C);
  for (let i = 0; i < pixels; i++) {
    for (let j = 0; j < cw; j++) {
      const n = min(64, C - (j << 6));
      let w: u64 = 0;
      for (let c = 0; c < n; c++) {
        if (!(load<f32>(X + (<usize>c << 2)) >= 0)) w |= (<u64>1) << <u64>c;
      }
      store<u64>(out, w);
      out += 8;
      X += <usize>n << 2;
    }
  }
}

/** DoReFa 2-bit activation codes a = nearest(clamp(x, 0, 1) * 3) (quantize.ts), as two interleaved planes. */
export function packCodes2(X: usize, pixels: i32, C: i32, out: usize): void {
  const cw = words(C);
  for (let i = 0; i < pixels; i++) {
    for (let j = 0; j < cw; j++) {
      const n = min(64, C - (j << 6));
      let w0: u64 = 0, w1: u64 = 0;
      for (let c = 0; c < n; c++) {
        const u = min<f32>(max<f32>(load<f32>(X + (<usize>c << 2)), 0), 1);
        const a = <u64>(<i32>nearest<f32>(u * 3));
        w0 |= (a & 1) << <u64>c;
        w1 |= (a >> 1) << <u64>c;
      }
      store<u64>(out, w0);
      store<u64>(out, w1, 8);
      out += 16;
      X += <usize>n << 2;
    }
  }
}

// Output transform of an integer dot, as bitops.ts `emit` (the SIMD
// kernels) computes it: OUT_FLOAT y = f32(dot)*scale[o] + bias[o] (bias 0
// when absent), OUT_BITS bit o = (flip[o] ? -dot : dot) < thr[o], OUT_INT the dot.
export const OUT_INT: i32 = 0;
export const OUT_FLOAT: i32 = 1;
export const OUT_BITS: i32 = 2;

// @ts-ignore: decorator
@inline export function emitDot(dot: i32, o: i32, mode: i32, p1: usize, p2: usize, dst: usize): void {
  const q = <usize>o << 2;
  if (mode == OUT_FLOAT) {
    store<f32>(dst + q, <f32>dot * load<f32>(p1 + q) + (p2 ? load<f32>(p2 + q) : <f32>0));
  } else if (mode == OUT_BITS) {
    const d = p2 && load<i32>(p2 + q) ? -dot : dot;
    if (d < load<i32>(p1 + q)) {
      const wp = dst + (<usize>(o >> 6) << 3);
      store<u64>(wp, load<u64>(wp) | ((<u64>1) << <u64>(o & 63)));
    }
  } else {
    store<i32>(dst + q, dot);
  }
}

// Bytes of one output row (pixel) of OC channels in a mode.
// @ts-ignore: decorator
@inline export function outRowBytes(mode: i32, OC: i32): usize {
  return mode == OUT_BITS ? <usize>words(OC) << 3 : <usize>OC << 2;
}

// Word (k) of output channel o in the weight panels (bitpack.ts): panels of
// 4 channels, pairs of words, 4 channels x 2 words per pair.
// @ts-ignore: decorator
@inline export function panelWord(B: usize, panelBytes: usize, o: i32, k: i32): usize {
  return B + <usize>(o >> 2) * panelBytes + (<usize>(k >> 1) << 6) + (<usize>(o & 3) << 4) + (<usize>(k & 1) << 3);
}

// @ts-ignore: decorator
@inline export function panelBytesOf(rowWords: i32): usize {
  return <usize>((rowWords + 1) >> 1) << 6;
}

/**
 * Portable XNOR-popcount GEMM (no SIMD): out[m] = transform(K - 2*popcount(A[m] xor B[o]))
 * for rows of ceil(K/64) words (lda words apart) against the panels of a [K, N] kernel.
 * Same contract as bgemm (bgemm.ts) without accumulator limit or path; used
 * where the SIMD kernels are not compiled in.
 */
export function xnorGemmScalar(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize): void {
  const kw = words(K);
  const pb = panelBytesOf(kw);
  const oRow = <usize>ldo << (mode == OUT_BITS ? 3 : 2);
  for (let m = 0; m < M; m++) {
    const a = A + (<usize>m * lda << 3);
    const dst = out + <usize>m * oRow;
    if (mode == OUT_BITS) memory.fill(dst, 0, <usize>words(N) << 3);
    for (let o = 0; o < N; o += 4) {
      const base = B + <usize>(o >> 2) * pb;
      let c0: i32 = 0, c1: i32 = 0, c2: i32 = 0, c3: i32 = 0;
      for (let k = 0; k < kw; k++) {
        const x = load<u64>(a + (<usize>k << 3));
        const w = base + (<usize>(k >> 1) << 6) + (<usize>(k & 1) << 3);
        c0 += <i32>popcnt(x ^ load<u64>(w));
        c1 += <i32>popcnt(x ^ load<u64>(w, 16));
        c2 += <i32>popcnt(x ^ load<u64>(w, 32));
        c3 += <i32>popcnt(x ^ load<u64>(w, 48));
      }
      emitDot(K - 2 * c0, o, mode, p1, p2, dst);
      if (o + 1 < N) emitDot(K - 2 * c1, o + 1, mode, p1, p2, dst);
      if (o + 2 < N) emitDot(K - 2 * c2, o + 2, mode, p1, p2, dst);
      if (o + 3 < N) emitDot(K - 2 * c3, o + 3, mode, p1, p2, dst);
    }
  }
}

/**
 * Portable bit-serial 2-bit GEMM: D = 2*sum(a*b) - 3*sum(a) = 9*sum(x*w) on the
 * DoReFa grids, the contract of bserialGemm (bserial.ts). Rows of 2*ceil(K/64)
 * plane-interleaved words; panels with planes 2 (pair j = planes of word j).
 */
export function serialGemmScalar(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize): void {
  const kw = words(K);
  const pb = panelBytesOf(kw << 1);
  const oRow = <usize>ldo << (mode == OUT_BITS ? 3 : 2);
  for (let m = 0; m < M; m++) {
    const a = A + (<usize>m * lda << 3);
    const dst = out + <usize>m * oRow;
    if (mode == OUT_BITS) memory.fill(dst, 0, <usize>words(N) << 3);
    let sumA: i32 = 0;
    for (let k = 0; k < kw; k++) {
      sumA += <i32>popcnt(load<u64>(a + (<usize>k << 4))) + (<i32>popcnt(load<u64>(a + (<usize>k << 4), 8)) << 1);
    }
    for (let o = 0; o < N; o++) {
      const base = B + <usize>(o >> 2) * pb + (<usize>(o & 3) << 4);
      let s: i32 = 0;
      for (let k = 0; k < kw; k++) {
        const x0 = load<u64>(a + (<usize>k << 4)), x1 = load<u64>(a + (<usize>k << 4), 8);
        const w0 = load<u64>(base + (<usize>k << 6)), w1 = load<u64>(base + (<usize>k << 6), 8);
        s += <i32>popcnt(x0 & w0) + (<i32>(popcnt(x0 & w1) + popcnt(x1 & w0)) << 1) + (<i32>popcnt(x1 & w1) << 2);
      }
      emitDot(2 * s - 3 * sumA, o, mode, p1, p2, dst);
    }
  }
}
