// The weights of a conv record (canonical HWIO order, element k*OC + o;
// docs/model-format.md) in the layouts the kernels read. Run once at load.
import { panelWord } from "./infer-bits";

// @ts-ignore: decorator
@inline function bitAt(p: usize, i: i64): u32 {
  return (<u32>load<u8>(p + <usize>(i >> 3)) >> <u32>(i & 7)) & 1;
}

export function signMasks(wp: usize, K: i32, OC: i32, OCp: i32, out: usize): void {
  memory.fill(out, 0, <usize>K * OCp * 4);
  for (let k = 0; k < K; k++) {
    for (let o = 0; o < OC; o++) {
      if (bitAt(wp, <i64>k * OC + o)) store<u32>(out + ((<usize>k * OCp + o) << 2), 0x80000000);
    }
  }
}

export function floatWeights(wp: usize, codes: bool, n: i32, out: usize): void {
  if (!codes) {
    memory.copy(out, wp, <usize>n << 2);
    return;
  }
  // 2-bit DoReFa weight codes b: w = 2*(b/3) - 1 in f32, as quantize.ts computes it
  for (let i = 0; i < n; i++) {
    const b = (<u32>load<u8>(wp + <usize>(i >> 2)) >> <u32>((i & 3) << 1)) & 3;
    store<f32>(out + (<usize>i << 2), <f32>2 * (<f32>b / <f32>3) - <f32>1);
  }
}

// Canonical weight bits (HWIO order, element k*OC + o) into panels of a
// [K, OC] kernel; 2-bit codes put bit p of code into plane p.
export function panels(wp: usize, K: i32, OC: i32, planes: i32, pb: usize, out: usize): void {
  memory.fill(out, 0, <usize>((OC + 3) >> 2) * pb);
  for (let k = 0; k < K; k++) {
    for (let o = 0; o < OC; o++) {
      const i = <i64>k * OC + o;
      for (let pl = 0; pl < planes; pl++) {
        const b = planes == 1 ? bitAt(wp, i) : bitAt(wp, 2 * i + pl);
        if (b) {
          const q = panelWord(out, pb, o, (k >> 6) * planes + pl);
          store<u64>(q, load<u64>(q) | ((<u64>1) << <u64>(k & 63)));
        }
      }
    }
  }
}

// Bytes of convPanels: per 4 output channels, KH rows of ceil(KW*CW/2)
// word pairs (CW = ceil(C/64) words per pixel).
export function convPanelBytes(KH: i32, KW: i32, C: i32, OC: i32): i64 {
  const pairs = (KW * ((C + 63) >> 6) + 1) >> 1;
  return <i64>((OC + 3) >> 2) * KH * pairs * 64;
}

// Canonical weight bits (HWIO, element k*OC + o) in the layout of
// bitpackWeights (bitpack.ts) that bconv2d reads: kernel row kh is a
// segment of KW pixels of CW words, padded to whole word pairs, and tap
// (kh, kw, c) is bit c%64 of word kw*CW + c/64 of that segment.
export function convPanels(wp: usize, KH: i32, KW: i32, C: i32, OC: i32, out: usize): void {
  const CW = (C + 63) >> 6, pairs = (KW * CW + 1) >> 1;
  const rowBytes = <usize>pairs << 6, panel = <usize>KH * rowBytes;
  memory.fill(out, 0, <usize>convPanelBytes(KH, KW, C, OC));
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) {
        const k = (kh * KW + kw) * C + c, w = kw * CW + (c >> 6);
        for (let o = 0; o < OC; o++) {
          if (!bitAt(wp, <i64>k * OC + o)) continue;
          const q = out + <usize>(o >> 2) * panel + <usize>kh * rowBytes + (<usize>(w >> 1) << 6) + (<usize>(o & 3) << 4) + (<usize>(w & 1) << 3);
          store<u64>(q, load<u64>(q) | ((<u64>1) << <u64>(c & 63)));
        }
      }
    }
  }
}

// Per tap and output channel, how many of its weights are -1: what a padded
// (zero-bit) tap wrongly adds to the XOR count under pad_values = 0.
export function tapPopcounts(wp: usize, taps: i32, C: i32, OC: i32, out: usize): void {
  memory.fill(out, 0, <usize>taps * OC * 4);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < C; c++) {
      for (let o = 0; o < OC; o++) {
        if (bitAt(wp, (<i64>t * C + c) * OC + o)) {
          const q = out + ((<usize>t * OC + o) << 2);
          store<i32>(q, load<i32>(q) + 1);
        }
      }
    }
  }
}
