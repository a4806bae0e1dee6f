// The tile loop shared by bgemm, bconv2d and the bit-serial kernels: walks
// the output pixels in tiles of 3 and the output channels in blocks of 4 (or
// 8), runs a micro-kernel (bmicro.ts) per tile and block, and hands each
// pixel's dot products to the fused output transform (bitops.ts).
import { emit } from "./bitops";
import { r0, r1, r2, r3, r4, r5, microScalar8, microSimd, microHybrid, microSerial } from "./bmicro";

export const PATH_SCALAR: i32 = 1;
export const PATH_SIMD: i32 = 2;
export const PATH_HYBRID: i32 = 3;
/** 2-bit x 2-bit bit-serial AND-popcount (bserial.ts). */
export const PATH_SERIAL: i32 = 4;

/**
 * path 0 (auto) -> the scalar path. Best-of-4 medians, kernel only, ms, on
 * Sapphire Rapids / V8 11.3 (scalar / v128 / hybrid):
 *   conv 3x3 56x56x64   0.65 / 1.22 / 1.00    GEMM 512x512x8192   10.4 / 13.2 / 17.0
 *   conv 3x3 28x28x128  0.57 / 0.83 / 0.75    dense 64x1024x1024  0.36 / 0.48 / 0.44
 *   conv 3x3 14x14x256  0.57 / 0.78 / 0.72    dense 64x4096x4096  5.2 / 10.0 / 9.2
 * (bench/results/kernels.json, "paths", has the latest run). POPCNT retires
 * one 64-bit count per cycle, while V8's i8x16.popcnt costs ~8 uops per 128
 * bits on the three vector ports, so v128 never catches up, and the hybrid
 * loses to register pressure what it gains by using both.
 */
export function resolvePath(path: i32): i32 {
  return path == 0 ? PATH_SCALAR : path;
}

// Weight panels of one channel chunk (a quarter of L2).
const CHUNK_BYTES: usize = 512 << 10;

/** Workspace of xnorTiles for T = nSeg*segLen words: offset table + 3-pixel panel. */
export function tilesWorkspaceBytes(T: i32): i32 {
  return tableBytes(T) + T * 24;
}

// @ts-ignore: decorator
@inline function tableBytes(T: i32): i32 {
  return ((T << 2) + 15) & ~15;
}

/**
 * An implicit GEMM over the output pixels (n, oy, ox) of the rectangle
 * [oy0,oy1) x [ox0,ox1) of nImg images. Pixel (n, oy, ox) reads its
 * activations at A + n*aImg + oy*aRow + ox*aPix and writes its outputs at
 * out + n*oImg + oy*oRow + ox*oPix (all in bytes); see bmicro.ts for the
 * segments and the weight panels B.
 * XNOR paths: dot = kEff - 2*(popcount - corr[o]); corr (i32[OC] padded to
 * a multiple of 4) = 0 means none.
 * PATH_SERIAL: dot = 2*S - 3*corr[p] with corr = the per-pixel activation
 * code sums in enumeration order (see bserial.ts).
 * ws: tilesWorkspaceBytes(nSeg*segLen) bytes (scalar and serial paths).
 * The output transform must have been set with beginOutput.
 */
export function xnorTiles(
  A: usize, aImg: usize, aRow: usize, aPix: usize, aSeg: usize, nSeg: i32, segLen: i32,
  B: usize, OC: i32,
  nImg: i32, oy0: i32, oy1: i32, ox0: i32, ox1: i32,
  out: usize, oImg: usize, oRow: usize, oPix: usize,
  kEff: i32, corr: usize, path: i32, ws: usize,
): void {
  const total = nImg * (oy1 - oy0) * (ox1 - ox0);
  if (total <= 0 || OC <= 0) return;
  const panel = <usize>nSeg * <usize>((segLen + 1) >> 1) << 6;
  const blocks = (OC + 3) >> 2;
  // Channels in chunks whose panels fit in L2, pixel tiles inside, channel
  // blocks innermost: a tile's activations stay in L1 and its addresses are
  // computed once per chunk while the panels stream from L2. Blocks of one
  // pixel are visited in increasing order, which OUT_BITS relies on.
  const chunk = max(2, <i32>(CHUNK_BYTES / panel) & ~1);
  const T = nSeg * segLen;
  const tab = ws, ap = ws + <usize>tableBytes(T);
  if (path == PATH_SCALAR) {
    // word (segment g, k) of a panel: pairs of 64 bytes, halves 8 bytes apart
    const segBytes = ((segLen + 1) >> 1) << 6;
    let t: usize = 0;
    for (let g = 0; g < nSeg; g++) {
      for (let k = 0; k < segLen; k++, t++) store<u32>(tab + (t << 2), g * segBytes + ((k >> 1) << 6) + ((k & 1) << 3));
    }
  }
  for (let c0 = 0; c0 < blocks; c0 += chunk) {
    const c1 = min(blocks, c0 + chunk);
    let n = 0, y = oy0, x = ox0;
    for (let p = 0; p < total; p += 3) {
      const a0 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
      const d0 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
      // a tile past the end repeats its first pixel and drops the copies
      let a1 = a0, a2 = a0, d1 = d0, d2 = d0;
      if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
      if (p + 1 < total) {
        a1 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
        d1 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
        if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
      }
      if (p + 2 < total) {
        a2 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
        d2 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
        if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
      }
      const pixels = min(3, total - p);
      if (path == PATH_SCALAR || path == PATH_SERIAL) gather(ap, a0, a1, a2, aSeg, nSeg, segLen);
      let cb = c0;
      while (cb < c1) {
        const q = B + <usize>cb * panel;
        if (path == PATH_SCALAR) {
          const two = cb + 1 < c1;
          microScalar8(ap, T, tab, q, two ? panel : 0);
          finish(r0, r1, r2, cb << 2, OC, pixels, d0, d1, d2, kEff, corr, false, p);
          if (two) finish(r3, r4, r5, (cb + 1) << 2, OC, pixels, d0, d1, d2, kEff, corr, false, p);
          cb += 2;
          continue;
        }
        if (path == PATH_SIMD) microSimd(a0, a1, a2, aSeg, nSeg, segLen, q);
        else if (path == PATH_HYBRID) microHybrid(a0, a1, a2, aSeg, nSeg, segLen, q);
        else microSerial(ap, T, q);
        finish(r0, r1, r2, cb << 2, OC, pixels, d0, d1, d2, kEff, corr, path == PATH_SERIAL, p);
        cb++;
      }
    }
  }
}

// The 3 pixels' words, interleaved: word t of pixel i at d + 24t + 8i.
// @ts-ignore: decorator
@inline function gather(d: usize, a0: usize, a1: usize, a2: usize, aSeg: usize, nSeg: i32, segLen: i32): void {
  const bytes = <usize>segLen << 3;
  for (let g = 0; g < nSeg; g++) {
    const off = <usize>g * aSeg;
    for (let k: usize = off; k < off + bytes; k += 8) {
      store<u64>(d, load<u64>(a0 + k));
      store<u64>(d, load<u64>(a1 + k), 8);
      store<u64>(d, load<u64>(a2 + k), 16);
      d += 24;
    }
  }
}

// Dot products of channels o..o+3 for the tile's pixels, then the transform.
// @ts-ignore: decorator
@inline function finish(s0: v128, s1: v128, s2: v128, o: i32, OC: i32, pixels: i32,
  d0: usize, d1: usize, d2: usize, kEff: i32, corr: usize, serial: bool, p: i32): void {
  const nv = min(4, OC - o);
  if (serial) {
    const sa = corr + (<usize>p << 2);
    emit(i32x4.sub(i32x4.shl(s0, 1), i32x4.splat(3 * load<i32>(sa))), o, nv, d0);
    if (pixels > 1) emit(i32x4.sub(i32x4.shl(s1, 1), i32x4.splat(3 * load<i32>(sa, 4))), o, nv, d1);
    if (pixels > 2) emit(i32x4.sub(i32x4.shl(s2, 1), i32x4.splat(3 * load<i32>(sa, 8))), o, nv, d2);
    return;
  }
  const kv = i32x4.splat(kEff);
  const cv = corr ? v128.load(corr + (<usize>o << 2)) : i32x4.splat(0);
  emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(s0, cv), 1)), o, nv, d0);
  if (pixels > 1) emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(s1, cv), 1)), o, nv, d1);
  if (pixels > 2) emit(i32x4.sub(kv, i32x4.shl(i32x4.sub(s2, cv), 1)), o, nv, d2);
}
