// The bit im2col rows of a packed conv's windows (bitIm2col) through a
// bordered copy of the input (kernel module). bitIm2col copies a 3x3
// window inside the image as a few vector moves (interiorRun3x3), but a
// window that reaches the padding goes tap by tap with bounds tests, several
// times slower; on the small images of a CNN's later layers most windows
// touch the border. Written out once per image, the padding is plain bits
// (0: +1, what bitIm2col reads outside the image) and every window is
// inside: the copy costs a pass over the input, far less than the border
// windows it replaces (padBits, by vectors). Same rows, bit for bit.
import { words, bitIm2col, vectorRuns, padBits } from "./infer-bits";

// Rows (or columns) of padding past the input the windows of `out` outputs
// reach: before it (pad) and after it.
// @ts-ignore: decorator
@inline function before(pad: i32): i32 {
  return max(0, pad);
}
// @ts-ignore: decorator
@inline function after(size: i32, out: i32, st: i32, pad: i32, k: i32): i32 {
  return max(0, (out - 1) * st + k - pad - size);
}

/**
 * Bytes per image windowRows takes at its spare memory for a conv of KHxKW
 * windows on H x W x C bits (strides SH, SW, padding PT, PL) with CH x CW
 * outputs, plus 16 for alignment; 0 when it gathers from the input as it
 * is (no vector runs, or no window reaches the padding).
 */
export function windowSpareBytes(H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, CH: i32, CW: i32): i64 {
  if (!ASC_FEATURE_SIMD || !vectorRuns(C, 1, KH, KW)) return 0;
  const t = before(PT), b = after(H, CH, SH, PT, KH), l = before(PL), r = after(W, CW, SW, PL, KW);
  if (t + b + l + r == 0) return 0;
  return <i64>(H + t + b) * (W + l + r) * words(C) * 8 + 16;
}

/**
 * bitIm2col's rows (one plane) of the CH x CW windows of N images at X
 * into out, through a bordered copy at spare (N x windowSpareBytes bytes)
 * when windowSpareBytes is not 0. poolBlocks: the windows of a whole 2x2
 * stride-2 max-pool after the conv (CH x CW pool outputs) as four blocks
 * of N x CH x CW rows, each a conv of twice the stride: the pool windows'
 * top-left pixels, bottom-right, top-right, bottom-left.
 */
export function windowRows(X: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  PT: i32, PL: i32, CH: i32, CW: i32, poolBlocks: bool, out: usize, spare: usize): void {
  // the conv outputs the windows cover
  const OH = poolBlocks ? 2 * CH : CH, OW = poolBlocks ? 2 * CW : CW;
  let src = X, h = H, w = W, pt = PT, pl = PL;
  if (windowSpareBytes(H, W, C, KH, KW, SH, SW, PT, PL, OH, OW) != 0) {
    const t = before(PT), b = after(H, OH, SH, PT, KH), l = before(PL), r = after(W, OW, SW, PL, KW);
    src = (spare + 15) & ~<usize>15;
    padBits(X, N, H, W, words(C), t, b, l, r, src);
    h = H + t + b; w = W + l + r; pt = PT - t; pl = PL - l;
  }
  if (!poolBlocks) {
    bitIm2col(src, N, h, w, C, 1, KH, KW, SH, SW, pt, pl, CH, CW, out);
    return;
  }
  const block = <usize>N * CH * CW * words(KH * KW * C) * 8;
  bitIm2col(src, N, h, w, C, 1, KH, KW, 2 * SH, 2 * SW, pt, pl, CH, CW, out);
  bitIm2col(src, N, h, w, C, 1, KH, KW, 2 * SH, 2 * SW, pt - SH, pl - SW, CH, CW, out + block);
  bitIm2col(src, N, h, w, C, 1, KH, KW, 2 * SH, 2 * SW, pt, pl - SW, CH, CW, out + 2 * block);
  bitIm2col(src, N, h, w, C, 1, KH, KW, 2 * SH, 2 * SW, pt - SH, pl, CH, CW, out + 3 * block);
}
