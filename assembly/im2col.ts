// im2col / col2im for NHWC images and HWIO weights: a cols row holds one
// output pixel's receptive field in (kh, kw, c) order, so for a fixed kh the
// in-bounds kw positions are one contiguous run of X (consecutive pixels of
// one image row, all channels). Both kernels therefore move whole runs per
// (pixel, kh) instead of single elements, and pad with zero runs around them.

// Below this many bytes a v128 loop beats the call into memory.copy/fill.
const BULK_BYTES: usize = 256;

@inline function copyBytes(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= BULK_BYTES) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  if (bytes & 8) {
    store<u64>(dst + i, load<u64>(src + i));
    i += 8;
  }
  if (bytes & 4) store<u32>(dst + i, load<u32>(src + i));
}

@inline function zeroBytes(dst: usize, bytes: usize): void {
  if (bytes >= BULK_BYTES) {
    memory.fill(dst, 0, bytes);
    return;
  }
  const z = i32x4.splat(0);
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, z);
  if (bytes & 8) {
    store<u64>(dst + i, 0);
    i += 8;
  }
  if (bytes & 4) store<u32>(dst + i, 0);
}

// dst[i] += src[i] over a byte count that is a multiple of 4.
@inline function addBytes(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  if (bytes & 8) {
    v128.store64_lane(dst + i, f32x4.add(v128.load64_zero(dst + i), v128.load64_zero(src + i)), 0);
    i += 8;
  }
  if (bytes & 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
}

export function im2col(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, cols: usize): void {
  const pix = <usize>C << 2; // bytes of one input pixel
  const rowBytes = <usize>W * pix; // bytes of one image row
  const runBytes = <usize>KW * pix; // bytes of one kh slice of a cols row
  let dst = cols;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * <usize>H * rowBytes;
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * SH - PT;
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * SW - PL;
        const kwLo = max(0, -iw0), kwHi = min(KW, W - iw0);
        if (kwHi <= kwLo) {
          zeroBytes(dst, <usize>KH * runBytes);
          dst += <usize>KH * runBytes;
          continue;
        }
        const head = <usize>kwLo * pix, body = <usize>(kwHi - kwLo) * pix;
        const tail = runBytes - head - body;
        // Start of the run for kh = 0; may lie outside the image, never read then.
        let src = img + <usize>(ih0 * W + iw0 + kwLo) * pix;
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh;
          if (<u32>ih >= <u32>H) {
            zeroBytes(dst, runBytes);
          } else {
            if (head) zeroBytes(dst, head);
            copyBytes(dst + head, src, body);
            if (tail) zeroBytes(dst + head + body, tail);
          }
          dst += runBytes;
          src += rowBytes;
        }
      }
    }
  }
}

// The adjoint of im2col: every cols element is added back onto the X element
// it was copied from; padding positions are dropped.
export function col2im(cols: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32, dX: usize): void {
  const rowBytes = <usize>W * (<usize>C << 2);
  memory.fill(dX, 0, <usize>N * <usize>H * rowBytes);
  const colsRow = <usize>(KH * KW * C) << 2;
  let src = cols;
  for (let n = 0; n < N; n++) {
    const img = dX + <usize>n * <usize>H * rowBytes;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        addPatchRow(src, img, oh, ow, H, W, C, KH, KW, SH, SW, PT, PL);
        src += colsRow;
      }
    }
  }
}

/**
 * col2im of one patch row: adds the KH·KW·C floats at src (one row of cols,
 * output pixel (oh, ow)) onto the image img, skipping the taps in the
 * padding. col2im and the sparse input gradient (sgemmSparse.ts) share it,
 * so both add in the same order.
 */
@inline export function addPatchRow(src: usize, img: usize, oh: i32, ow: i32, H: i32, W: i32, C: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32): void {
  const pix = <usize>C << 2;
  const rowBytes = <usize>W * pix;
  const runBytes = <usize>KW * pix;
  const ih0 = oh * SH - PT;
  const khLo = max(0, -ih0), khHi = min(KH, H - ih0);
  const iw0 = ow * SW - PL;
  const kwLo = max(0, -iw0), kwHi = min(KW, W - iw0);
  if (kwHi > kwLo) {
    const body = <usize>(kwHi - kwLo) * pix;
    let s = src + <usize>khLo * runBytes + <usize>kwLo * pix;
    let d = img + <usize>((ih0 + khLo) * W + iw0 + kwLo) * pix;
    for (let kh = khLo; kh < khHi; kh++) {
      addBytes(d, s, body);
      s += runBytes;
      d += rowBytes;
    }
  }
}
