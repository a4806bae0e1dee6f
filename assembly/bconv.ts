// Binary conv2d as an implicit GEMM on packed NHWC bits, and binary max-pool.
//
// The input is the padded buffer written by bitpackNHWC (or by a previous
// bconv2d writing bits into it): [N, H+padT+padB, W+padL+padR, CW] words,
// border words zero. Every output pixel therefore reads a full KH x KW window
// with no bounds checks: the window's KH rows are the micro-kernel's segments
// (KW*CW contiguous words each).
//
// Padding semantics (Larq QuantConv2D, input binarized by ste_sign):
// - padValue 1 (pad_values=1.0): the border holds +1 = bit 0, already the
//   buffer's content: nothing to do.
// - padValue 0 (pad_values=0.0, the default): a padded tap must add 0 to the
//   dot. Read as bit 0 it added popcount(0 xor w) = popcount(w_tap) to the
//   XOR count and C to K, so those are taken back: per output pixel,
//   acc -= sum over its padded taps of popcount(w_tap[o]) and
//   K_eff = (number of real taps) * C. Which taps are padded depends only on
//   whether the pixel lies in one of the first/last few rows or columns, so
//   the output is cut into rectangles of pixels sharing one padded-tap set,
//   each run with its own constant correction (most pixels need none).
import { beginOutput, OUT_BITS } from "./bitops";
import { xnorTiles, resolvePath, tilesWorkspaceBytes } from "./btiles";
import { csaWorkspaceBytes, PATH_CSA } from "./bcsa";
import { csaTiles } from "./bcsa-tiles";

/** Bytes of bconv2d's workspace: the per-channel correction vector, then the tile loop's. */
export function bconv2dWorkspaceBytes(KH: i32, KW: i32, C: i32, OC: i32): i32 {
  return corrBytes(OC) + max(tilesWorkspaceBytes(KH * KW * ((C + 63) >> 6)), csaWorkspaceBytes(KH, KW * ((C + 63) >> 6)));
}

// @ts-ignore: decorator
@inline function corrBytes(OC: i32): i32 {
  return ((OC + 3) & ~3) << 2;
}

// Whether output row/column i has padded taps: its window starts at i*S in
// padded coordinates and covers [i*S, i*S+K) against real [pad, pad+n).
// @ts-ignore: decorator
@inline function edge(i: i32, S: i32, K: i32, pad: i32, n: i32): bool {
  return i * S < pad || i * S + K > pad + n;
}

/**
 * out = transform(conv(X, Wp)) for all N*OH*OW pixels and OC channels, with
 * OH = (H+padT+padB-KH)/SH + 1 and OW likewise.
 * X: padded packed input (see above), C real input channels.
 * Wp: panels from bitpackWeights(Wt, KH, KW, C, OC, 1).
 * Output pixel (n, oy, ox) is written at out + (n*outImgPix + oy*outRowPix + ox)*pix
 * bytes, pix = OC*4 (OUT_INT/OUT_FLOAT) or ceil(OC/64)*8 (OUT_BITS); pass
 * outRowPix = OW, outImgPix = OH*OW for a dense NHWC output, or the geometry
 * of the next layer's padded input buffer to write straight into it.
 * ws: bconv2dWorkspaceBytes(KH, KW, C, OC) bytes. path: 0 auto, 1 scalar, 2 v128, 3 hybrid, 5 carry-save.
 */
export function bconv2d(
  X: usize, N: i32, H: i32, W: i32, C: i32, padT: i32, padB: i32, padL: i32, padR: i32,
  Wp: usize, OC: i32, KH: i32, KW: i32, SH: i32, SW: i32, padValue: i32,
  out: usize, outRowPix: i32, outImgPix: i32,
  outMode: i32, p1: usize, p2: usize, accBits: i32, accMode: i32, path: i32, ws: usize,
): void {
  bconv2dTaps(X, N, H, W, C, padT, padB, padL, padR, Wp, OC, KH, KW, SH, SW, padValue, 0,
    out, outRowPix, outImgPix, outMode, p1, p2, accBits, accMode, path, ws);
}

/**
 * bconv2d with, for padValue 0, each tap's weight popcounts precomputed:
 * tapPop i32 [KH*KW][OC], the number of -1 weights of tap t for channel o
 * (0: counted from Wp on every call, as bconv2d does). A caller that runs
 * the same weights many times (the inference engine) saves a pass over the
 * weights of every border tap per call, which on deep layers (512
 * channels by 512, a 7x7 output mostly border) is not small.
 */
export function bconv2dTaps(
  X: usize, N: i32, H: i32, W: i32, C: i32, padT: i32, padB: i32, padL: i32, padR: i32,
  Wp: usize, OC: i32, KH: i32, KW: i32, SH: i32, SW: i32, padValue: i32, tapPop: usize,
  out: usize, outRowPix: i32, outImgPix: i32,
  outMode: i32, p1: usize, p2: usize, accBits: i32, accMode: i32, path: i32, ws: usize,
): void {
  const Hp = H + padT + padB, Wd = W + padL + padR;
  const OH = (Hp - KH) / SH + 1, OW = (Wd - KW) / SW + 1;
  if (OH <= 0 || OW <= 0) return;
  beginOutput(outMode, p1, p2, accBits, accMode);
  const CW = (C + 63) >> 6;
  const pix = <usize>CW << 3;
  const aSeg = <usize>Wd * pix;
  const oPix: usize = outMode == OUT_BITS ? <usize>((OC + 63) >> 6) << 3 : <usize>OC << 2;
  const p = resolvePath(path);
  const kFull = KH * KW * C;
  // One rectangle, or one per padded-tap set when zero padding must be undone.
  const hasPad = padT > 0 || padB > 0 || padL > 0 || padR > 0;
  let ry0 = 0, ry1 = OH, rx0 = 0, rx1 = OW;
  if (padValue == 0 && hasPad) {
    while (ry0 < OH && edge(ry0, SH, KH, padT, H)) ry0++;
    ry1 = max(ry0, OH);
    while (ry1 > ry0 && edge(ry1 - 1, SH, KH, padT, H)) ry1--;
    while (rx0 < OW && edge(rx0, SW, KW, padL, W)) rx0++;
    rx1 = max(rx0, OW);
    while (rx1 > rx0 && edge(rx1 - 1, SW, KW, padL, W)) rx1--;
  }
  // Row bands: each edge row alone, then the interior rows together; same for columns.
  let y = 0;
  while (y < OH) {
    const y1 = y >= ry0 && y < ry1 ? ry1 : y + 1;
    let x = 0;
    while (x < OW) {
      const x1 = x >= rx0 && x < rx1 ? rx1 : x + 1;
      let corr: usize = 0, kEff = kFull;
      if (y < ry0 || y >= ry1 || x < rx0 || x >= rx1) {
        kEff = correction(Wp, tapPop, KH, KW, C, OC, y * SH - padT, H, x * SW - padL, W, ws);
        corr = ws;
      }
      if (p == PATH_CSA) {
        csaTiles(X, <usize>Hp * aSeg, <usize>SH * aSeg, <usize>SW * pix, aSeg, KH, KW * CW, Wp, OC,
          N, y, y1, x, x1,
          out, <usize>outImgPix * oPix, <usize>outRowPix * oPix, oPix, kEff, corr, ws + corrBytes(OC));
      } else {
        xnorTiles(X, <usize>Hp * aSeg, <usize>SH * aSeg, <usize>SW * pix, aSeg, KH, KW * CW, Wp, OC,
          N, y, y1, x, x1,
          out, <usize>outImgPix * oPix, <usize>outRowPix * oPix, oPix, kEff, corr, p, ws + corrBytes(OC));
      }
      x = x1;
    }
    y = y1;
  }
}

// Fills corr[o] with the popcounts of the weights of the taps of a window
// starting at real input row iy / column ix that fall outside the input,
// and returns K_eff = (real taps) * C; from tapPop when given (bconv2dTaps).
function correction(Wp: usize, tapPop: usize, KH: i32, KW: i32, C: i32, OC: i32, iy: i32, H: i32, ix: i32, W: i32, corr: usize): i32 {
  const CW = (C + 63) >> 6;
  const pairs = (KW * CW + 1) >> 1;
  const panel = <usize>KH * pairs << 6;
  memory.fill(corr, 0, <usize>corrBytes(OC));
  let real = 0;
  for (let kh = 0; kh < KH; kh++) {
    const rowOut = iy + kh < 0 || iy + kh >= H;
    for (let kw = 0; kw < KW; kw++) {
      if (!rowOut && ix + kw >= 0 && ix + kw < W) {
        real++;
        continue;
      }
      if (tapPop != 0) {
        const t = tapPop + (<usize>(kh * KW + kw) * OC << 2);
        for (let o = 0; o < OC; o++) store<i32>(corr + (<usize>o << 2), load<i32>(corr + (<usize>o << 2)) + load<i32>(t + (<usize>o << 2)));
        continue;
      }
      for (let o = 0; o < OC; o++) {
        const base = Wp + <usize>(o >> 2) * panel + (<usize>kh * pairs << 6) + (<usize>(o & 3) << 4);
        let s: i32 = 0;
        for (let cw = 0; cw < CW; cw++) {
          const w = kw * CW + cw;
          s += <i32>popcnt(load<u64>(base + (<usize>(w >> 1) << 6) + (<usize>(w & 1) << 3)));
        }
        store<i32>(corr + (<usize>o << 2), load<i32>(corr + (<usize>o << 2)) + s);
      }
    }
  }
  return real * C;
}

/**
 * Binary max-pool on packed bits: the max of ±1 values is -1 only if all are
 * -1, so it is the AND of the bits. Cells outside the input are ignored (as
 * max-pool's -inf padding). X: [N, H, W, CW] words, no border. Output pixel
 * (n, oy, ox) goes to out + (n*outImgPix + oy*outRowPix + ox)*CW*8; the window
 * of output (oy, ox) starts at input row oy*SH - padT, column ox*SW - padL.
 */
export function bmaxpool2d(X: usize, N: i32, H: i32, W: i32, CW: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  padT: i32, padL: i32, OH: i32, OW: i32, out: usize, outRowPix: i32, outImgPix: i32): void {
  const pix = <usize>CW << 3;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * H * W * pix;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = max(0, oy * SH - padT), y1 = min(H, oy * SH - padT + KH);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = max(0, ox * SW - padL), x1 = min(W, ox * SW - padL + KW);
        const dst = out + (<usize>n * outImgPix + <usize>oy * outRowPix + ox) * pix;
        const empty = y0 >= y1 || x0 >= x1;
        for (let cw = 0; cw < CW; cw++) {
          let m: u64 = empty ? 0 : -1;
          for (let y = y0; y < y1; y++) {
            const row = img + (<usize>y * W << 3) * CW + (<usize>cw << 3);
            for (let x = x0; x < x1; x++) m &= load<u64>(row + <usize>x * pix);
          }
          store<u64>(dst + (<usize>cw << 3), m);
        }
      }
    }
  }
}
