// A float conv (float input, float kernel) computed straight from its
// zero-bordered input, for the kernel module's inference engine: the stem
// convs of ImageNet networks (7x7 stride 2 on 3 channels) and other convs
// whose reduction fits one block of sgemm. Through sgemm the engine first
// wrote every output pixel's receptive field out as an im2col row and sgemm
// then copied those rows once more into its panels; here a 4-pixel x
// 8-channel tile reads each kernel row's KW*C inputs where they lie (one
// contiguous run per pixel) and the kernel's weights from panels packed once
// per call.
//
// The sums are sgemm's over im2col rows bit for bit: k runs over (kh, kw, c)
// in increasing order, each product added onto a zero accumulator, in one
// block (K <= SGEMM_KC, which the plan checks). Taps in the border read the
// border's zeros, as the im2col rows held zeros there.
import { SGEMM_KC } from "./sgemm";

const MR: i32 = 4;
const NR: i32 = 8;

/** Bytes of floatConvWorkspace for a conv of K taps and OC channels: its weight panels and one edge tile. */
export function floatConvWorkspaceBytes(K: i32, OC: i32): i32 {
  return (K * ((OC + NR - 1) & ~(NR - 1)) + MR * NR) << 2;
}

/** Whether floatConvRows computes this conv with sgemm's sums (one block of k). */
export function floatConvFits(K: i32): bool {
  return K <= SGEMM_KC;
}

/**
 * out[pixel, o] (dense NHWC, OC channels) of a float conv on X, a
 * zero-bordered input [N, Hp, Wp, C]: output pixel (oy, ox) reads rows
 * oy*SH .. +KH and columns ox*SW .. +KW of it. Wt: HWIO [K = KH*KW*C, OC].
 * ws: floatConvWorkspaceBytes(K, OC) bytes.
 */
export function floatConvRows(X: usize, N: i32, Hp: i32, Wp: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  CH: i32, CW: i32, Wt: usize, OC: i32, out: usize, ws: usize): void {
  const run = KW * C, K = KH * run;
  const panels = (OC + NR - 1) / NR;
  const panelBytes = <usize>K * NR << 2;
  const tile = ws + <usize>panels * panelBytes;
  // weight panels: k-major, 8 channels wide, channels past OC zero
  for (let j = 0; j < panels; j++) {
    const j0 = j * NR, nr = min(NR, OC - j0);
    let d = ws + <usize>j * panelBytes;
    for (let k = 0; k < K; k++) {
      const s = Wt + ((<usize>k * OC + j0) << 2);
      if (nr == NR) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      } else {
        for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), c < nr ? load<f32>(s + (<usize>c << 2)) : 0);
      }
      d += NR << 2;
    }
  }
  const rowStride = <usize>Wp * C << 2, pixStride = <usize>SW * C << 2;
  const outPix = <usize>OC << 2;
  let o = out;
  for (let n = 0; n < N; n++) {
    const img = X + <usize>n * Hp * rowStride;
    for (let oy = 0; oy < CH; oy++) {
      const rowIn = img + <usize>(oy * SH) * rowStride;
      for (let ox = 0; ox < CW; ox += MR) {
        const mr = min(MR, CW - ox);
        // a tile past the row's end repeats its first pixel and drops the copies
        const a0 = rowIn + <usize>ox * pixStride;
        const a1 = mr > 1 ? a0 + pixStride : a0, a2 = mr > 2 ? a0 + 2 * pixStride : a0, a3 = mr > 3 ? a0 + 3 * pixStride : a0;
        for (let j = 0; j < panels; j++) {
          const nr = min(NR, OC - j * NR);
          const full = mr == MR && nr == NR;
          tile4x8(a0, a1, a2, a3, KH, run, rowStride, ws + <usize>j * panelBytes, full ? o + (<usize>(j * NR) << 2) : tile, full ? outPix : NR << 2);
          if (!full) {
            for (let r = 0; r < mr; r++) {
              for (let c = 0; c < nr; c++) {
                store<f32>(o + <usize>r * outPix + (<usize>(j * NR + c) << 2), load<f32>(tile + ((<usize>(r * NR + c)) << 2)));
              }
            }
          }
        }
        o += <usize>mr * outPix;
      }
    }
  }
}

// acc[i][0..7] = sum over the KH runs of `run` inputs of pixel i (rows
// rowStride apart) of x * b[k*8 + 0..7], k ascending; rows of c ldc bytes apart.
// @ts-ignore: decorator
@inline function tile4x8(a0: usize, a1: usize, a2: usize, a3: usize, KH: i32, run: i32, rowStride: usize,
  b: usize, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let kh = 0; kh < KH; kh++) {
    const r = <usize>kh * rowStride;
    let p0 = a0 + r, p1 = a1 + r, p2 = a2 + r, p3 = a3 + r;
    for (let t = 0; t < run; t++) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      const x0 = v128.load32_splat(p0);
      c00 = f32x4.add(c00, f32x4.mul(x0, b0)); c01 = f32x4.add(c01, f32x4.mul(x0, b1));
      const x1 = v128.load32_splat(p1);
      c10 = f32x4.add(c10, f32x4.mul(x1, b0)); c11 = f32x4.add(c11, f32x4.mul(x1, b1));
      const x2 = v128.load32_splat(p2);
      c20 = f32x4.add(c20, f32x4.mul(x2, b0)); c21 = f32x4.add(c21, f32x4.mul(x2, b1));
      const x3 = v128.load32_splat(p3);
      c30 = f32x4.add(c30, f32x4.mul(x3, b0)); c31 = f32x4.add(c31, f32x4.mul(x3, b1));
      p0 += 4; p1 += 4; p2 += 4; p3 += 4;
      b += NR << 2;
    }
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}
