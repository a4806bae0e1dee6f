// Bit-serial kernels for 2-bit DoReFa layers (activations k=2, weights k=2).
//
// DoReFa with n = 2^k - 1 = 3 puts activations on x = a/n, a in {0..3}, and
// weights on w = (2b - n)/n, b in {0..3} (Larq DoReFa mode="weights":
// w = 2*round(u*n)/n - 1). So
//   sum x*w = (2 * sum a*b - n * sum a) / n^2,
// and with bit planes a = a0 + 2a1, b = b0 + 2b1 (bitpack.ts, planes = 2)
//   sum a*b = sum over i, j of 2^(i+j) * popcount(A_i AND B_j)
// (four AND-popcounts per 64 MACs, microSerial in bmicro.ts). The kernels
// produce the integer D = 2*sum a*b - n*sum a = 9 * sum x*w exactly; fold the
// 1/9 into `scale` for a float output. sum a (over the pixel's window) is
// computed once per pixel into the workspace before the tile loop.
//
// Zero padding is native: a padded activation has code 0, i.e. x = 0, which
// is DoReFa's (and Keras') zero padding of the quantized input.
import { beginOutput, OUT_BITS } from "./bitops";
import { xnorTiles, PATH_SERIAL, tilesWorkspaceBytes } from "./btiles";

// sum over nSeg segments of segLen plane-interleaved words of (plane0 + 2*plane1).
// @ts-ignore: decorator
@inline function codeSum(a: usize, aSeg: usize, nSeg: i32, segLen: i32): i32 {
  let s: u64 = 0;
  const bytes = <usize>segLen << 3;
  for (let g = 0; g < nSeg; g++) {
    const p = a + <usize>g * aSeg;
    for (let k: usize = 0; k < bytes; k += 16) s += popcnt(load<u64>(p + k)) + (popcnt(load<u64>(p + k, 8)) << 1);
  }
  return <i32>s;
}

// Workspace: the per-pixel code sums, then the tile loop's (16-byte aligned).
export function bserialGemmWorkspaceBytes(M: i32, K: i32): i32 {
  return sumsBytes(M) + tilesWorkspaceBytes(((K + 63) >> 6) << 1);
}

// @ts-ignore: decorator
@inline function sumsBytes(pixels: i32): i32 {
  return ((pixels << 2) + 15) & ~15;
}

/**
 * out[m, n] = transform(D[m, n]) with D = 9 * sum over k < K of x[m,k]*w[k,n]
 * on the 2-bit DoReFa grids. A: M rows of 2*ceil(K/64) words from
 * bitpackNHWC(.., planes=2), row m at A + m*lda*8. B: panels from
 * bitpackWeights(.., KH=1, KW=1, C=K, OC=N, planes=2). out/ldo/transform as
 * bgemm. ws: bserialGemmWorkspaceBytes(M, K) bytes.
 */
export function bserialGemm(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  outMode: i32, p1: usize, p2: usize, accBits: i32, accMode: i32, ws: usize): void {
  beginOutput(outMode, p1, p2, accBits, accMode);
  const L = ((K + 63) >> 6) << 1;
  const rowBytes = <usize>lda << 3;
  for (let m = 0; m < M; m++) store<i32>(ws + (<usize>m << 2), codeSum(A + <usize>m * rowBytes, 0, 1, L));
  const oPix = <usize>ldo << (outMode == OUT_BITS ? 3 : 2);
  xnorTiles(A, 0, 0, rowBytes, 0, 1, L, B, N, 1, 0, 1, 0, M, out, 0, 0, oPix, 0, ws, PATH_SERIAL, ws + sumsBytes(M));
}

export function bserialConv2dWorkspaceBytes(N: i32, OH: i32, OW: i32, KH: i32, KW: i32, C: i32): i32 {
  return sumsBytes(N * OH * OW) + tilesWorkspaceBytes(KH * KW * (((C + 63) >> 6) << 1));
}

/**
 * 2-bit conv2d, zero padding, on the padded plane-interleaved input
 * (bitpackNHWC with planes=2) and weights (bitpackWeights with planes=2).
 * Geometry, output layout and transform as bconv2d; D as bserialGemm.
 * ws: bserialConv2dWorkspaceBytes(N, OH, OW, KH, KW, C) bytes.
 */
export function bserialConv2d(
  X: usize, N: i32, H: i32, W: i32, C: i32, padT: i32, padB: i32, padL: i32, padR: i32,
  Wp: usize, OC: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  out: usize, outRowPix: i32, outImgPix: i32,
  outMode: i32, p1: usize, p2: usize, accBits: i32, accMode: i32, ws: usize,
): void {
  const Hp = H + padT + padB, Wd = W + padL + padR;
  const OH = (Hp - KH) / SH + 1, OW = (Wd - KW) / SW + 1;
  if (OH <= 0 || OW <= 0) return;
  beginOutput(outMode, p1, p2, accBits, accMode);
  const pix = <usize>((C + 63) >> 6) << 4;
  const L = KW * (((C + 63) >> 6) << 1);
  const aSeg = <usize>Wd * pix, aRow = <usize>SH * aSeg, aPix = <usize>SW * pix, aImg = <usize>Hp * aSeg;
  // Same pixel order as the tile loop: x fastest, then y, then image.
  let i: usize = 0;
  for (let n = 0; n < N; n++)
    for (let y = 0; y < OH; y++)
      for (let x = 0; x < OW; x++, i++)
        store<i32>(ws + (i << 2), codeSum(X + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix, aSeg, KH, L));
  const oPix: usize = outMode == OUT_BITS ? <usize>((OC + 63) >> 6) << 3 : <usize>OC << 2;
  xnorTiles(X, aImg, aRow, aPix, aSeg, KH, L, Wp, OC, N, 0, OH, 0, OW,
    out, <usize>outImgPix * oPix, <usize>outRowPix * oPix, oPix, 0, ws, PATH_SERIAL, ws + sumsBytes(N * OH * OW));
}
