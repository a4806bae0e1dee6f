// xnorTiles' carry-save twin (PATH_CSA): the tile loop of the bconv/bgemm
// kernels over pixel pairs, the counts from bcsa.ts, the dots through the
// same output transform (bitops.ts emit, emit2 for a pair) as the other paths.
import { emit, emit2 } from "./bitops";
import { gatherPair, csaCounts } from "./bcsa";

/**
 * xnorTiles (btiles.ts) on the carry-save path, same arguments and results
 * (XNOR dots, corr as there); pixels two at a time, every channel block of
 * a pair in increasing order (OUT_BITS relies on it). ws:
 * csaWorkspaceBytes(nSeg, segLen) bytes, 16-aligned. The output transform
 * must have been set with beginOutput.
 */
export function csaTiles(
  A: usize, aImg: usize, aRow: usize, aPix: usize, aSeg: usize, nSeg: i32, segLen: i32,
  B: usize, OC: i32,
  nImg: i32, oy0: i32, oy1: i32, ox0: i32, ox1: i32,
  out: usize, oImg: usize, oRow: usize, oPix: usize,
  kEff: i32, corr: usize, ws: usize,
): void {
  const total = nImg * (oy1 - oy0) * (ox1 - ox0);
  if (total <= 0 || OC <= 0) return;
  const pairs = nSeg * ((segLen + 1) >> 1);
  const panel = <usize>pairs << 6;
  const res = ws + (<usize>pairs << 5);
  const kv = i32x4.splat(kEff);
  let n = 0, y = oy0, x = ox0;
  for (let p = 0; p < total; p += 2) {
    const a0 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
    const d0 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
    if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
    // an odd last pixel is paired with itself and its copy dropped
    let a1 = a0, d1 = d0;
    const two = p + 1 < total;
    if (two) {
      a1 = A + <usize>n * aImg + <usize>y * aRow + <usize>x * aPix;
      d1 = out + <usize>n * oImg + <usize>y * oRow + <usize>x * oPix;
      if (++x == ox1) { x = ox0; if (++y == oy1) { y = oy0; n++; } }
    }
    gatherPair(ws, a0, a1, aSeg, nSeg, segLen);
    for (let o = 0; o < OC; o += 4) {
      const q = B + <usize>(o >> 2) * panel;
      csaCounts(ws, pairs, q, res);
      csaCounts(ws, pairs, q + 32, res + 8);
      const nv = min(4, OC - o);
      const cv = corr ? v128.load(corr + (<usize>o << 2)) : i32x4.splat(0);
      const dot0 = i32x4.sub(kv, i32x4.shl(i32x4.sub(v128.load(res), cv), 1));
      if (two) emit2(dot0, i32x4.sub(kv, i32x4.shl(i32x4.sub(v128.load(res, 16), cv), 1)), o, nv, d0, d1);
      else emit(dot0, o, nv, d0);
    }
  }
}
