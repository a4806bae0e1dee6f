// Runs a plan (infer-plan.ts) on a batch of images: every layer over a
// sub-batch of images at a time, activations ping-ponging between two
// buffers of the caller's workspace. Float layers go through
// infer-float.ts, packed layers through a bit im2col and a binary GEMM with
// the fused output transform (thresholds straight to bits, or the folded
// BatchNorm as scale/shift).
//
// The binary GEMMs are reached through function references: the standalone
// module keeps the portable ones (infer-bits.ts), the kernel module installs
// the SIMD-tiled bgemm/bserialGemm (infer-simd.ts). Both compute the same
// integers and the same transform, so both predict the same classes.
import {
  words, OUT_INT, OUT_FLOAT, OUT_BITS, emitDot, xnorGemmScalar, serialGemmScalar, bitIm2col, bitFlatten, bitMaxPool,
  packSigns, packCodes2, padBits,
} from "./infer-bits";
import { floatIm2col, floatGemmScalar, floatEpilogue, floatMaxPool, channelAffine, activate, ACT_RELU, ACT_HARD_TANH } from "./infer-float";
import { signConv } from "./infer-sign";
import { signConvRows } from "./infer-signrows";
import {
  rec, fld, tensorBytes, P_NOPS, P_OUTPUTS, P_ACT, P_COLS, P_INTS, P_TAPS, P_H, P_W, P_C, P_GRAPH, P_SLOTS,
  OP_CONV, OP_POOL, OP_AFFINE, OP_ACT, OP_SIGN, OP_DOREFA2, OP_FLATTEN, T_FLOAT, T_BITS, T_CODES,
  OP_ADD, OP_CONCAT, OP_AVGPOOL, OP_PAD, OP_RESHAPE, OP_PRELU, OP_LEAKY, OP_DEPTHWISE,
  F_OP, F_IN, F_OUT, F_H, F_W, F_C, F_OH, F_OW, F_OC, F_WK, F_KH, F_KW, F_SH, F_SW, F_PT, F_PL, F_PADV,
  F_CH, F_CW, F_K, F_WPTR, F_P1, F_P2, F_TAPPOP, F_MODE, F_DIRECT, F_WROWS, F_SRC0, F_SRC1, F_DST, F_P3, F_PADDED, F_SETUP, F_LUT,
} from "./infer-plan";
import { addFloats, concatChannels, avgPoolFloat, padFloat, preluFloat, leakyFloat, depthwiseFloat } from "./infer-graph";
import { xnorConvPool, xnorRowsBits, xnorPoolRest, vectorIntervals, pairWorkspaceBytes } from "./infer-xpool";
import { windowRows } from "./infer-windows";
import { xnorRowsLut, lutWorkspaceBytes, LUT_MIN_ROWS } from "./infer-lut";
import { sgemm, sgemmWorkspaceBytes } from "./sgemm";
import { sgemvRows } from "./sgemv";
import { floatConvRows, floatConvWorkspaceBytes } from "./infer-fconv";
import { im2col } from "./im2col";
import { channelScaleShift } from "./batchnorm";
import { relu, hardTanh } from "./elementwise";
import { packSignsSimd, scaleShiftRows } from "./infer-vec";

/**
 * A packed conv on a zero-bordered input (bconv.ts's layout) with pad_values
 * = 0: X [N, H+pT+pB, W+pL+pR, ceil(C/64) words], W the conv panels of
 * infer-weights.ts convPanels, tapPop its tapPopcounts, out dense NHWC;
 * mode/p1/p2 as the GEMMs'.
 */
type PaddedConv = (X: usize, N: i32, H: i32, W: i32, C: i32, pT: i32, pB: i32, pL: i32, pR: i32,
  Wp: usize, tapPop: usize, OC: i32, KH: i32, KW: i32, SH: i32, SW: i32, out: usize, mode: i32, p1: usize, p2: usize, ws: usize) => void;

function noPaddedConv(X: usize, N: i32, H: i32, W: i32, C: i32, pT: i32, pB: i32, pL: i32, pR: i32,
  Wp: usize, tapPop: usize, OC: i32, KH: i32, KW: i32, SH: i32, SW: i32, out: usize, mode: i32, p1: usize, p2: usize, ws: usize): void {
  unreachable(); // the plan asks for it only in the kernel module, which installs one
}
/** Workspace bytes of a PaddedConv. */
type PaddedConvWs = (KH: i32, KW: i32, C: i32, OC: i32) => i32;
function noPaddedConvWs(KH: i32, KW: i32, C: i32, OC: i32): i32 {
  return 0;
}
let paddedConv: PaddedConv = noPaddedConv;
let paddedConvWs: PaddedConvWs = noPaddedConvWs;

/** Installs the kernel module's conv for zero-padded packed inputs (infer-simd.ts). */
export function setPaddedConv(c: PaddedConv, ws: PaddedConvWs): void {
  paddedConv = c;
  paddedConvWs = ws;
}

type Gemm = (M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize) => void;
type GemmWs = (M: i32, K: i32) => i32;

function xnorPortable(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize): void {
  xnorGemmScalar(M, N, K, A, lda, B, out, ldo, mode, p1, p2);
}
function serialPortable(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize): void {
  serialGemmScalar(M, N, K, A, lda, B, out, ldo, mode, p1, p2);
}
function noWorkspace(M: i32, K: i32): i32 {
  return 0;
}

let xnorGemm: Gemm = xnorPortable;
let xnorWs: GemmWs = noWorkspace;
let serialGemm: Gemm = serialPortable;
let serialWs: GemmWs = noWorkspace;

/** Installs faster binary GEMMs with the same contract (see infer-simd.ts). */
export function setBinaryGemms(x: Gemm, xw: GemmWs, s: Gemm, sw: GemmWs): void {
  xnorGemm = x;
  xnorWs = xw;
  serialGemm = s;
  serialWs = sw;
}

// @ts-ignore: decorator
@inline function hdr(plan: usize, f: i32): i32 {
  return load<i32>(plan + (<usize>f << 2));
}

// @ts-ignore: decorator
@inline function up64(n: i64): i64 {
  return (n + 63) & ~63;
}

// Bytes of the GEMM workspace layer r needs for B images.
function gemmWs(r: usize, B: i32): i64 {
  if (fld(r, F_OP) != OP_CONV) return 0;
  const M = B * fld(r, F_OH) * fld(r, F_OW), K = fld(r, F_K), inK = fld(r, F_IN);
  if (inK == T_FLOAT) {
    if (fld(r, F_WK) == T_BITS) return 0;
    if (ASC_FEATURE_SIMD) return fld(r, F_PADDED) != 0 ? floatConvWorkspaceBytes(K, fld(r, F_OC)) : sgemmWorkspaceBytes(M, fld(r, F_OC), K);
    return 0;
  }
  if (fld(r, F_PADDED) != 0) return paddedConvWs(fld(r, F_KH), fld(r, F_KW), fld(r, F_C), fld(r, F_OC));
  return inK == T_CODES ? serialWs(M, K) : xnorWs(M, K);
}

/** Workspace bytes for planRun with sub-batches of B images (or -1 if over 2 GiB). */
export function planWorkspaceBytes(plan: usize, B: i32): i32 {
  let g: i64 = 0;
  const n = hdr(plan, P_NOPS);
  for (let i = 0; i < n; i++) g = max(g, gemmWs(rec(plan, i), B));
  const total = <i64>max(2, hdr(plan, P_SLOTS)) * up64(<i64>B * hdr(plan, P_ACT)) + up64(<i64>B * hdr(plan, P_COLS)) + up64(<i64>B * hdr(plan, P_INTS))
    + up64(<i64>hdr(plan, P_TAPS)) + up64(g) + 64;
  return total > 0x7fffffff ? -1 : <i32>total;
}

/** Number of logits per image. */
export function planOutputs(plan: usize): i32 {
  return hdr(plan, P_OUTPUTS);
}

/** Floats per input image. */
export function planInputs(plan: usize): i32 {
  return hdr(plan, P_H) * hdr(plan, P_W) * hdr(plan, P_C);
}

/**
 * logits[n, outputs] of images X[n, H, W, C] (f32 NHWC), B images at a time.
 * ws: planWorkspaceBytes(plan, B) bytes, 64-aligned.
 */
export function planRun(plan: usize, X: usize, n: i32, out: usize, ws: usize, B: i32): void {
  if (hdr(plan, P_GRAPH)) {
    graphRun(plan, X, n, out, ws, B);
    return;
  }
  const act = <usize>up64(<i64>B * hdr(plan, P_ACT));
  const bufA = ws, bufB = ws + act;
  const cols = bufB + act;
  const ints = cols + <usize>up64(<i64>B * hdr(plan, P_COLS));
  const taps = ints + <usize>up64(<i64>B * hdr(plan, P_INTS));
  const gws = taps + <usize>up64(<i64>hdr(plan, P_TAPS));
  const inBytes = <usize>planInputs(plan) << 2, outBytes = <usize>hdr(plan, P_OUTPUTS) << 2;
  const nOps = hdr(plan, P_NOPS);
  for (let b0 = 0; b0 < n; b0 += B) {
    const nb = min(B, n - b0);
    let cur = X + <usize>b0 * inBytes;
    for (let i = 0; i < nOps; i++) {
      const r = rec(plan, i);
      const dst = cur == bufA ? bufB : bufA;
      if (i + 1 < nOps && signRowsPool(r, rec(plan, i + 1))) {
        conv(r, nb, cur, dst, cols, ints, taps, gws, rec(plan, i + 1));
        cur = dst;
        i++;
        continue;
      }
      if (fld(r, F_WROWS) != 0 && i + 1 < nOps && fld(rec(plan, i + 1), F_OP) == OP_POOL) {
        convPool(r, rec(plan, i + 1), nb, cur, dst, cols, ints);
        cur = dst;
        i++;
        continue;
      }
      cur = layer(r, nb, cur, dst, cur != bufA && cur != bufB, cols, ints, taps, gws);
    }
    memory.copy(out + <usize>b0 * outBytes, cur, <usize>nb * outBytes);
  }
}

// planRun for a graph: every record reads its inputs' slots (or the images)
// and writes its own slot; the chain-only fusions (conv + pool) are off.
function graphRun(plan: usize, X: usize, n: i32, out: usize, ws: usize, B: i32): void {
  const act = <usize>up64(<i64>B * hdr(plan, P_ACT));
  const slots = max(2, hdr(plan, P_SLOTS));
  const cols = ws + <usize>slots * act;
  const ints = cols + <usize>up64(<i64>B * hdr(plan, P_COLS));
  const taps = ints + <usize>up64(<i64>B * hdr(plan, P_INTS));
  const gws = taps + <usize>up64(<i64>hdr(plan, P_TAPS));
  const inBytes = <usize>planInputs(plan) << 2, outBytes = <usize>hdr(plan, P_OUTPUTS) << 2;
  const nOps = hdr(plan, P_NOPS);
  let last: usize = 0;
  for (let b0 = 0; b0 < n; b0 += B) {
    const nb = min(B, n - b0);
    const images = X + <usize>b0 * inBytes;
    for (let i = 0; i < nOps; i++) {
      const r = rec(plan, i);
      const s0 = fld(r, F_SRC0), s1 = fld(r, F_SRC1);
      const src = s0 < 0 ? images : ws + <usize>s0 * act;
      const dst = ws + <usize>fld(r, F_DST) * act;
      graphLayer(r, nb, src, s1 < 0 ? images : ws + <usize>s1 * act, dst, cols, ints, taps, gws);
      last = dst;
    }
    memory.copy(out + <usize>b0 * outBytes, last, <usize>nb * outBytes);
  }
}

// One graph record on nb images: src (and src2 for add/concat) to dst.
function graphLayer(r: usize, nb: i32, src: usize, src2: usize, dst: usize,
  cols: usize, ints: usize, taps: usize, gws: usize): void {
  const op = fld(r, F_OP);
  const H = fld(r, F_H), W = fld(r, F_W), C = fld(r, F_C);
  const count = nb * H * W * C;
  if (op == OP_ADD) {
    addFloats(src, src2, count, dst);
  } else if (op == OP_CONCAT) {
    concatChannels(src, C, src2, fld(r, F_P3), nb * H * W, dst);
  } else if (op == OP_AVGPOOL) {
    avgPoolFloat(src, nb, H, W, C, fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_SW), fld(r, F_PT), fld(r, F_PL),
      fld(r, F_OH), fld(r, F_OW), dst);
  } else if (op == OP_PAD) {
    padFloat(src, nb, H, W, C, fld(r, F_PT), fld(r, F_PL), fld(r, F_OH), fld(r, F_OW), reinterpret<f32>(fld(r, F_PADV)), dst);
  } else if (op == OP_RESHAPE || (op == OP_FLATTEN && fld(r, F_IN) == T_FLOAT)) {
    memory.copy(dst, src, <usize>count << 2);
  } else if (op == OP_PRELU) {
    preluFloat(src, count, <usize>fld(r, F_P1), fld(r, F_P3), dst);
  } else if (op == OP_LEAKY) {
    leakyFloat(src, count, load<f64>(<usize>fld(r, F_P1)), dst);
  } else if (op == OP_DEPTHWISE) {
    depthwiseFloat(src, nb, H, W, C, fld(r, F_P3), fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_SW), fld(r, F_PT), fld(r, F_PL),
      fld(r, F_OH), fld(r, F_OW), <usize>fld(r, F_WPTR), <usize>fld(r, F_P1), <usize>fld(r, F_P2), dst);
  } else {
    const at = layer(r, nb, src, dst, true, cols, ints, taps, gws);
    if (at != dst) memory.copy(dst, at, <usize>(nb * tensorBytes(fld(r, F_OUT), fld(r, F_OH), fld(r, F_OW), fld(r, F_OC))));
  }
}

// Runs one layer on nb images at src; returns where its output is.
function layer(r: usize, nb: i32, src: usize, dst: usize, srcIsInput: bool,
  cols: usize, ints: usize, taps: usize, gws: usize): usize {
  const op = fld(r, F_OP), inK = fld(r, F_IN);
  const H = fld(r, F_H), W = fld(r, F_W), C = fld(r, F_C);
  if (op == OP_CONV) {
    conv(r, nb, src, dst, cols, ints, taps, gws);
    return dst;
  }
  if (op == OP_POOL) {
    if (inK == T_FLOAT) {
      floatMaxPool(src, nb, H, W, C, fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_SW),
        fld(r, F_PT), fld(r, F_PL), fld(r, F_OH), fld(r, F_OW), dst);
    } else {
      bitMaxPool(src, nb, H, W, C, fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_SW),
        fld(r, F_PT), fld(r, F_PL), fld(r, F_OH), fld(r, F_OW), <usize>fld(r, F_P1), dst);
    }
    return dst;
  }
  if (op == OP_AFFINE || op == OP_ACT) {
    const count = nb * H * W * C;
    const scale = <usize>fld(r, F_P1), shift = <usize>fld(r, F_P2);
    if (ASC_FEATURE_SIMD) {
      // the training engine's own kernels, out of place
      if (op == OP_ACT && fld(r, F_WK) <= ACT_HARD_TANH) {
        if (fld(r, F_WK) == ACT_RELU) relu(src, count, dst);
        else hardTanh(src, count, dst);
        return dst;
      }
      if (scale && shift) {
        channelScaleShift(src, nb * H * W, C, scale, shift, dst);
        return dst;
      }
    }
    // in place, except on the caller's images
    let p = src;
    if (srcIsInput) {
      memory.copy(dst, src, <usize>count << 2);
      p = dst;
    }
    if (op == OP_AFFINE) channelAffine(p, nb * H * W, C, scale, shift);
    else activate(p, count, fld(r, F_WK));
    return p;
  }
  if (op == OP_SIGN) {
    if (ASC_FEATURE_SIMD) packSignsSimd(src, nb * H * W, C, dst);
    else packSigns(src, nb * H * W, C, dst);
    return dst;
  }
  if (op == OP_DOREFA2) {
    packCodes2(src, nb * H * W, C, dst);
    return dst;
  }
  // OP_FLATTEN: NHWC is already flat unless packed pixels end in padding bits
  if (inK == T_FLOAT || (C & 63) == 0 || H * W == 1) return src;
  bitFlatten(src, nb, H * W, C, inK == T_CODES ? 2 : 1, dst);
  return dst;
}

// A float-input sign conv with bit output that signConvRows runs, followed
// by a 2x2 stride-2 unpadded bit max-pool it can do on its pixel words.
function signRowsPool(r: usize, pr: usize): bool {
  return ASC_FEATURE_SIMD && fld(r, F_OP) == OP_CONV && fld(r, F_IN) == T_FLOAT && fld(r, F_WK) == T_BITS &&
    fld(r, F_SW) == 1 && fld(r, F_MODE) == OUT_BITS && fld(pr, F_OP) == OP_POOL &&
    fld(pr, F_KH) == 2 && fld(pr, F_KW) == 2 && fld(pr, F_SH) == 2 && fld(pr, F_SW) == 2 &&
    fld(pr, F_PT) == 0 && fld(pr, F_PL) == 0 && fld(r, F_CH) == 2 * fld(pr, F_OH) && fld(r, F_CW) == 2 * fld(pr, F_OW);
}

// pr: the pool record when signRowsPool(r, pr) fused it, else 0.
function conv(r: usize, nb: i32, src: usize, dst: usize, cols: usize, ints: usize, taps: usize, gws: usize, pr: usize = 0): void {
  const inK = fld(r, F_IN), wK = fld(r, F_WK);
  const H = fld(r, F_H), W = fld(r, F_W), C = fld(r, F_C), OC = fld(r, F_OC);
  const KH = fld(r, F_KH), KW = fld(r, F_KW), SH = fld(r, F_SH), SW = fld(r, F_SW), PT = fld(r, F_PT), PL = fld(r, F_PL);
  const CH = fld(r, F_CH), CW = fld(r, F_CW), K = fld(r, F_K);
  const wp = <usize>fld(r, F_WPTR), p1 = <usize>fld(r, F_P1), p2 = <usize>fld(r, F_P2), mode = fld(r, F_MODE);
  const padV = reinterpret<f32>(fld(r, F_PADV));
  const direct = fld(r, F_DIRECT) != 0;
  const M = nb * CH * CW;
  if (inK == T_FLOAT && wK == T_BITS) {
    if (ASC_FEATURE_SIMD && SW == 1) {
      signConvRows(src, nb, H, W, C, KH, KW, SH, PT, PL, CH, CW, padV, OC, mode, p1, p2, dst, <usize>fld(r, F_SETUP), taps,
        pr != 0, pr ? <usize>fld(pr, F_P1) : 0);
    } else signConv(src, nb, H, W, C, KH, KW, SH, SW, PT, PL, CH, CW, padV, OC, wp, mode, p1, p2, dst, taps);
    return;
  }
  if (ASC_FEATURE_SIMD && inK == T_FLOAT && fld(r, F_PADDED) != 0) {
    const pB = reachBottom(r), pR = reachRight(r);
    const Hp = H + PT + pB, Wp = W + PL + pR;
    let X = src;
    if (Hp != H || Wp != W) {
      padFloat(src, nb, H, W, C, PT, PL, Hp, Wp, 0, cols);
      X = cols;
    }
    const epilogue = mode == OUT_BITS || p1 != 0;
    const sums = epilogue ? ints : dst;
    floatConvRows(X, nb, Hp, Wp, C, KH, KW, SH, SW, CH, CW, wp, OC, sums, gws);
    if (epilogue) floatOutput(sums, M, OC, mode, p1, p2, dst);
    return;
  }
  if (inK == T_FLOAT) {
    let A = src;
    if (!direct) {
      // im2col.ts pads with zeros
      if (ASC_FEATURE_SIMD && padV == 0) {
        im2col(src, nb, H, W, C, KH, KW, SH, SW, PT, PL, CH, CW, cols);
      } else floatIm2col(src, nb, H, W, C, KH, KW, SH, SW, PT, PL, CH, CW, padV, cols);
      A = cols;
    }
    const epilogue = mode == OUT_BITS || p1 != 0;
    const sums = epilogue ? ints : dst;
    if (ASC_FEATURE_SIMD) {
      // a dense layer on fewer than four images: rows that stream the weights once
      if (M < 4) sgemvRows(M, OC, K, A, K, wp, OC, sums, OC);
      else sgemm(0, 0, M, OC, K, 1, A, K, wp, OC, 0, sums, OC, gws);
    }
    else floatGemmScalar(M, OC, K, A, K, wp, sums);
    if (epilogue) floatOutput(sums, M, OC, mode, p1, p2, dst);
    return;
  }
  if (fld(r, F_PADDED) != 0) {
    const pB = reachBottom(r), pR = reachRight(r);
    padBits(src, nb, H, W, words(C), PT, pB, PL, pR, cols);
    paddedConv(cols, nb, H, W, C, PT, pB, PL, pR, wp, <usize>fld(r, F_TAPPOP), OC, KH, KW, SH, SW, dst, mode, p1, p2, gws);
    return;
  }
  const planes = inK == T_CODES ? 2 : 1;
  const wrows = <usize>fld(r, F_WROWS);
  let A = src, lda = words(C) * planes;
  if (!direct) {
    if (ASC_FEATURE_SIMD && wrows != 0 && mode == OUT_BITS) {
      // the rows' kernels: a bordered copy of the input after the rows and the pairs' workspace (the plan reserved it)
      windowRows(src, nb, H, W, C, KH, KW, SH, SW, PT, PL, CH, CW, false, cols,
        align16(cols + <usize>M * words(K) * 8) + <usize>pairWorkspaceBytes(words(K), OC));
    } else bitIm2col(src, nb, H, W, C, planes, KH, KW, SH, SW, PT, PL, CH, CW, cols);
    A = cols;
    lda = words(K) * planes;
  }
  if (wrows != 0 && mode == OUT_BITS) {
    // short rows (the plan made weight rows for them): the pair kernel,
    // its workspace after the im2col rows (the plan reserved it)
    const rowWords = words(K);
    const lut = <usize>fld(r, F_LUT);
    if (ASC_FEATURE_SIMD && lut != 0 && M >= LUT_MIN_ROWS) {
      // many rows: by lookup tables, their workspace in the ints scratch
      const thr = wrows + <usize>OC * rowWords * 8;
      xnorRowsLut(A, M, rowWords, K, OC, lut, vectorIntervals(thr, OC), dst, ints, nb * lutWorkspaceBytes(CH * CW));
      return;
    }
    const ws = ASC_FEATURE_SIMD ? align16(cols + (direct ? 0 : <usize>M * rowWords * 8)) : 0;
    xnorRowsBits(A, M, rowWords, OC, wrows, wrows + <usize>OC * rowWords * 8, dst, ws);
    return;
  }
  const gemm = planes == 2 ? serialGemm : xnorGemm;
  const tapPop = <usize>fld(r, F_TAPPOP);
  if (tapPop == 0) {
    gemm(M, OC, K, A, lda, wp, dst, mode == OUT_BITS ? words(OC) : OC, mode, p1, p2, gws);
    return;
  }
  gemm(M, OC, K, A, lda, wp, ints, OC, OUT_INT, 0, 0, gws);
  zeroPadCorrection(r, nb, ints, tapPop, mode, p1, p2, dst);
}

// The output transform of a float conv's sums (bits, or scale and shift),
// the scale and shift on vectors in the kernel module.
function floatOutput(sums: usize, M: i32, OC: i32, mode: i32, p1: usize, p2: usize, dst: usize): void {
  if (ASC_FEATURE_SIMD && mode != OUT_BITS && p1 != 0) scaleShiftRows(sums, M, OC, p1, p2, dst);
  else floatEpilogue(sums, M, OC, mode, p1, p2, dst);
}

// The bottom and right padding the windows of an F_PADDED record reach.
// @ts-ignore: decorator
@inline function reachBottom(r: usize): i32 {
  return <i32>(<u32>(fld(r, F_PADDED) - 1) >> 16);
}
// @ts-ignore: decorator
@inline function reachRight(r: usize): i32 {
  return <i32>(<u32>(fld(r, F_PADDED) - 1) & 0xffff);
}

// A packed conv with bit output and the bit max-pool after it (infer-xpool.ts).
function convPool(r: usize, pr: usize, nb: i32, src: usize, dst: usize, cols: usize, ints: usize): void {
  const C = fld(r, F_C), K = fld(r, F_K), rowWords = words(K);
  // only the conv pixels some pool window reads (an odd conv size leaves a
  // last row and column that a 2x2 stride-2 pool never reaches)
  const CH = usedExtent(fld(r, F_CH), fld(pr, F_OH), fld(pr, F_SH), fld(pr, F_PT), fld(pr, F_KH));
  const CW = usedExtent(fld(r, F_CW), fld(pr, F_OW), fld(pr, F_SW), fld(pr, F_PL), fld(pr, F_KW));
  const POH = fld(pr, F_OH), POW = fld(pr, F_OW);
  const lut = <usize>fld(r, F_LUT);
  if (ASC_FEATURE_SIMD && lut != 0 && CH == 2 * POH && CW == 2 * POW && wholePairs(pr) && 2 * nb * POH * POW >= LUT_MIN_ROWS) {
    convPoolLut(r, pr, nb, src, dst, cols, ints, lut);
    return;
  }
  const OC = fld(r, F_OC), wrows = <usize>fld(r, F_WROWS);
  // the pairs' workspace after the im2col rows (the plan reserved it), then
  // (kernel module) a bordered copy of the input
  const pws = align16(cols + <usize>nb * CH * CW * rowWords * 8);
  if (ASC_FEATURE_SIMD) {
    windowRows(src, nb, fld(r, F_H), fld(r, F_W), C, fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_SW),
      fld(r, F_PT), fld(r, F_PL), CH, CW, false, cols, pws + <usize>pairWorkspaceBytes(rowWords, OC));
  } else {
    bitIm2col(src, nb, fld(r, F_H), fld(r, F_W), C, 1, fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_SW),
      fld(r, F_PT), fld(r, F_PL), CH, CW, cols);
  }
  xnorConvPool(cols, nb, CH, CW, rowWords, OC, wrows, wrows + <usize>OC * rowWords * 8,
    fld(pr, F_KH), fld(pr, F_KW), fld(pr, F_SH), fld(pr, F_SW), fld(pr, F_PT), fld(pr, F_PL), fld(pr, F_OH), fld(pr, F_OW),
    <usize>fld(pr, F_P1), dst, pws);
}

// Whether pool record pr takes whole 2x2 windows two pixels apart, from the conv's first pixel.
function wholePairs(pr: usize): bool {
  return fld(pr, F_KH) == 2 && fld(pr, F_KW) == 2 && fld(pr, F_SH) == 2 && fld(pr, F_SW) == 2 && fld(pr, F_PT) == 0 && fld(pr, F_PL) == 0;
}

// convPool on whole 2x2 windows (wholePairs) with lookup tables (kernel
// module): the windows' pixels gathered as four bit im2col blocks, each a
// conv of twice the stride: top-left, bottom-right, top-right, bottom-left.
// The diagonal (the first two blocks) goes by the tables for every channel,
// into bits in the ints scratch, then the pair kernel takes the other two
// pixels for the channels the diagonal leaves undecided (xnorPoolRest).
function convPoolLut(r: usize, pr: usize, nb: i32, src: usize, dst: usize, cols: usize, ints: usize, lut: usize): void {
  const H = fld(r, F_H), W = fld(r, F_W), C = fld(r, F_C), KH = fld(r, F_KH), KW = fld(r, F_KW);
  const SH = fld(r, F_SH), SW = fld(r, F_SW), PT = fld(r, F_PT), PL = fld(r, F_PL);
  const K = fld(r, F_K), OC = fld(r, F_OC), rowWords = words(K);
  const POH = fld(pr, F_OH), POW = fld(pr, F_OW);
  const nW = nb * POH * POW;
  const block = <usize>nW * rowWords * 8;
  // the pairs' workspace after the four blocks, then a bordered copy of the input
  const pws = align16(cols + 4 * block);
  windowRows(src, nb, H, W, C, KH, KW, SH, SW, PT, PL, POH, POW, true, cols, pws + <usize>pairWorkspaceBytes(rowWords, OC));
  const wrows = <usize>fld(r, F_WROWS), thr = wrows + <usize>OC * rowWords * 8;
  // the diagonal's bits, then the tables' workspace
  const bitsBytes = <usize>nW * words(OC) * 8;
  const lutWs = ints + 2 * bitsBytes;
  xnorRowsLut(cols, 2 * nW, rowWords, K, OC, lut, vectorIntervals(thr, OC), ints, lutWs, nb * lutWorkspaceBytes(2 * POH * POW));
  xnorPoolRest(ints, ints + bitsBytes, cols + 2 * block, cols + 3 * block, nW, rowWords, OC, wrows, thr, <usize>fld(pr, F_P1), dst, pws);
}

// @ts-ignore: decorator
@inline function align16(p: usize): usize {
  return (p + 15) & ~<usize>15;
}

// Conv rows (or columns) [0, n) of the `size` that pool windows of `out`
// outputs (stride st, padding p, kernel k) touch.
function usedExtent(size: i32, out: i32, st: i32, p: i32, k: i32): i32 {
  return max(0, min(size, (out - 1) * st - p + k));
}

// pad_values = 0 on sign bits: a padded tap was read as +1 (bit 0), adding
// popcount(w_tap) to the XOR count and C to K. Undo both per output pixel:
// dot = dot_raw - K + K_eff + 2*corr, K_eff = C * (taps inside the input).
// Float outputs take 4 channels at a time (the same f32 operations as
// emitDot, lane by lane); interior pixels skip the tap loop.
function zeroPadCorrection(r: usize, nb: i32, ints: usize, tapPop: usize, mode: i32, p1: usize, p2: usize, dst: usize): void {
  const H = fld(r, F_H), W = fld(r, F_W), C = fld(r, F_C), OC = fld(r, F_OC), K = fld(r, F_K);
  const KH = fld(r, F_KH), KW = fld(r, F_KW), SH = fld(r, F_SH), SW = fld(r, F_SW);
  const CH = fld(r, F_CH), CW = fld(r, F_CW);
  const rowOut: usize = mode == OUT_BITS ? <usize>words(OC) << 3 : <usize>OC << 2;
  const vec = ASC_FEATURE_SIMD && mode == OUT_FLOAT;
  for (let n = 0; n < nb; n++) {
    for (let oy = 0; oy < CH; oy++) {
      const iy0 = oy * SH - fld(r, F_PT);
      // kernel rows inside the input: [kh0, kh1)
      const kh0 = max(0, -iy0), kh1 = min(KH, H - iy0);
      for (let ox = 0; ox < CW; ox++) {
        const ix0 = ox * SW - fld(r, F_PL);
        const kw0 = max(0, -ix0), kw1 = min(KW, W - ix0);
        if (mode == OUT_BITS) memory.fill(dst, 0, rowOut);
        const inside = max(0, kh1 - kh0) * max(0, kw1 - kw0);
        const border = inside < KH * KW;
        const base = inside * C - K;
        let o = 0;
        if (vec) {
          const vb = i32x4.splat(base);
          for (; o + 4 <= OC; o += 4) {
            const q = <usize>o << 2;
            let corr = i32x4.splat(0);
            if (border) {
              for (let kh = 0; kh < KH; kh++) {
                const rowOutside = kh < kh0 || kh >= kh1;
                for (let kw = 0; kw < KW; kw++) {
                  if (rowOutside || kw < kw0 || kw >= kw1) corr = i32x4.add(corr, v128.load(tapPop + ((<usize>(kh * KW + kw) * OC + o) << 2)));
                }
              }
            }
            const dot = i32x4.add(i32x4.add(v128.load(ints + q), vb), i32x4.shl(corr, 1));
            const y = f32x4.mul(f32x4.convert_i32x4_s(dot), v128.load(p1 + q));
            v128.store(dst + q, p2 ? f32x4.add(y, v128.load(p2 + q)) : f32x4.add(y, f32x4.splat(0)));
          }
        }
        for (; o < OC; o++) {
          let corr = 0;
          if (border) {
            for (let kh = 0; kh < KH; kh++) {
              const rowOutside = kh < kh0 || kh >= kh1;
              for (let kw = 0; kw < KW; kw++) {
                if (rowOutside || kw < kw0 || kw >= kw1) corr += load<i32>(tapPop + ((<usize>(kh * KW + kw) * OC + o) << 2));
              }
            }
          }
          emitDot(load<i32>(ints + (<usize>o << 2)) + base + 2 * corr, o, mode, p1, p2, dst);
        }
        ints += <usize>OC << 2;
        dst += rowOut;
      }
    }
  }
}
