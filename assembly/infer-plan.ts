// Reads a packed inference model (docs/model-format.md) and builds the
// in-memory plan that infer-exec.ts runs: one fixed-size record of i32
// fields per layer, and the arrays the kernels want (weight panels, sign
// masks, padded thresholds) in one arena. A version-2 file (graph form)
// names the tensors each record reads; the plan then gives every record's
// output a buffer slot, reused once its last reader has run.
//
// Shared by the kernel module (the JS engine) and the standalone module, so
// everything here is scalar and allocation-free: the caller asks for the
// arena size (planBytes), allocates it, then builds (planBuild). Both walk
// the file through the same `walk`, which validates every field and only
// writes when given an arena, so a file that measures fine builds fine.
import { words, panelBytesOf, OUT_BITS, OUT_FLOAT } from "./infer-bits";
import { signRowsBytes, signRowsSetupBytes, signRowsSetup } from "./infer-signrows";
import { windowSpareBytes } from "./infer-windows";
import { lutTableBytes, lutTables, lutFits, lutWorkspaceBytes, LUT_MIN_PIXELS, LUT_MAX_BYTES } from "./infer-lut";
import { weightRows, popcountIntervals, vectorIntervalsOf, vectorIntervalsBytes, pairWorkspaceBytes, ROWS_MAX_WORDS } from "./infer-xpool";
import { floatConvFits } from "./infer-fconv";
import { signMasks, floatWeights, panels, convPanels, convPanelBytes, tapPopcounts } from "./infer-weights";

export const FORMAT_VERSION: i32 = 2;

// Status codes (negative) shared with src/deploy/format.ts.
export const ERR_TRUNCATED: i32 = -1;
export const ERR_MAGIC: i32 = -2;
export const ERR_VERSION: i32 = -3;
export const ERR_CHECKSUM: i32 = -4;
export const ERR_MALFORMED: i32 = -5;
export const ERR_UNSUPPORTED: i32 = -6;
export const ERR_SHAPE: i32 = -7;
export const ERR_TOO_LARGE: i32 = -8;
export const ERR_GRAPH: i32 = -11;

// Layer opcodes of the file (and of plan records).
export const OP_CONV: i32 = 1;
export const OP_POOL: i32 = 2;
export const OP_AFFINE: i32 = 3;
export const OP_ACT: i32 = 4;
export const OP_SIGN: i32 = 5;
export const OP_DOREFA2: i32 = 6;
export const OP_FLATTEN: i32 = 7;
// graph form (version 2)
export const OP_ADD: i32 = 8;
export const OP_CONCAT: i32 = 9;
export const OP_AVGPOOL: i32 = 10;
export const OP_PAD: i32 = 11;
export const OP_RESHAPE: i32 = 12;
export const OP_PRELU: i32 = 13;
export const OP_LEAKY: i32 = 14;
export const OP_DEPTHWISE: i32 = 15;

// Tensor kinds.
export const T_FLOAT: i32 = 0;
export const T_BITS: i32 = 1;
export const T_CODES: i32 = 2;

// Plan header (i32 fields) and per-layer record fields.
export const P_NOPS = 1, P_H = 2, P_W = 3, P_C = 4, P_OUTPUTS = 5, P_ACT = 6, P_COLS = 7, P_INTS = 8, P_TAPS = 9,
  P_GRAPH = 10, P_SLOTS = 11;
export const HEADER_BYTES: i32 = 64;
export const REC_BYTES: i32 = 160;
export const F_OP = 0, F_IN = 1, F_OUT = 2, F_H = 3, F_W = 4, F_C = 5, F_OH = 6, F_OW = 7, F_OC = 8,
  F_WK = 9, F_KH = 10, F_KW = 11, F_SH = 12, F_SW = 13, F_PT = 14, F_PL = 15, F_PADV = 16,
  F_CH = 17, F_CW = 18, F_K = 19, F_WPTR = 20, F_P1 = 21, F_P2 = 22, F_TAPPOP = 23, F_MODE = 24, F_DIRECT = 25, F_WROWS = 26,
  // graph form: buffer slots of the inputs (-1: the images) and of the output; a third parameter
  F_SRC0 = 27, F_SRC1 = 28, F_DST = 29, F_P3 = 30,
  // a conv computed from a zero-bordered copy of its input (kernel module
  // only): packed with pad_values = 0 (bconv.ts), or float with one block
  // of k (infer-fconv.ts). The bottom and right padding its windows reach,
  // (pB << 16) | pR, plus 1 so that 0 means "not this path"
  F_PADDED = 31,
  // a float-input sign conv by rows (infer-signrows.ts): its per-layer setup
  F_SETUP = 32,
  // a binary conv's lookup tables (infer-lut.ts; kernel module only), or 0
  F_LUT = 33;

// Per tensor (0 the input, i + 1 record i's output) while a file is walked:
// kind, H, W, C, index of the last record reading it, buffer slot. Static, so
// that measuring (no arena yet) can follow a graph too; 4096 records at most.
// CONTRACT: main thread only. This table is one static data segment of the
// shared memory, so two plans built at once (inferPlanBytes/inferPlanBuild on
// two threads) would overwrite each other's entries. Plans are built on the
// main thread only (src/deploy/engine.ts, InferenceModel's constructor); the
// kernel pool's workers only run finished plans, which never touch this table.
const T_FIELDS: i32 = 6;
const T_KIND = 0, T_H = 1, T_W = 2, T_C = 3, T_LAST = 4, T_SLOT = 5;
const tensors: usize = memory.data(4097 * T_FIELDS * 4, 16);
// @ts-ignore: decorator
@inline function tget(t: i32, f: i32): i32 {
  return load<i32>(tensors + ((<usize>t * T_FIELDS + f) << 2));
}
// @ts-ignore: decorator
@inline function tset(t: i32, f: i32, v: i32): void {
  store<i32>(tensors + ((<usize>t * T_FIELDS + f) << 2), v);
}

const PLAN_MAGIC: i32 = 0x504b4e58;
const LIMIT: i64 = 1 << 30;

let errRecord: i32 = -1;

/** Index of the layer record the last failed load stopped at (-1: the header). */
export function planErrorRecord(): i32 {
  return errRecord;
}

// CRC-32 (IEEE, reflected, as zlib's crc32), bitwise: no table in memory.
export function crc32(p: usize, n: i32): u32 {
  let c: u32 = 0xffffffff;
  for (let i = 0; i < n; i++) {
    c ^= <u32>load<u8>(p + <usize>i);
    for (let b = 0; b < 8; b++) c = (c >>> 1) ^ (0xedb88320 & (0 - (c & 1)));
  }
  return ~c;
}

// @ts-ignore: decorator
@inline function align64(n: i64): i64 {
  return (n + 63) & ~63;
}

// @ts-ignore: decorator
@inline export function rec(plan: usize, i: i32): usize {
  return plan + <usize>HEADER_BYTES + <usize>i * REC_BYTES;
}

// @ts-ignore: decorator
@inline export function fld(r: usize, f: i32): i32 {
  return load<i32>(r + (<usize>f << 2));
}

// @ts-ignore: decorator
@inline function setf(r: usize, f: i32, v: i32): void {
  store<i32>(r + (<usize>f << 2), v);
}

/** Bytes per image of a tensor. */
export function tensorBytes(kind: i32, H: i32, W: i32, C: i32): i64 {
  const pix = <i64>H * W;
  if (kind == T_FLOAT) return pix * C * 4;
  return pix * words(C) * (kind == T_CODES ? 16 : 8);
}

// Arena bump allocation: `cur` is the next free offset; nothing is written
// while measuring (arena == 0).
let arena: usize = 0;
let cur: i64 = 0;

function take(bytes: i64): usize {
  const at = cur;
  cur = align64(cur + bytes);
  return arena ? arena + <usize>at : 0;
}

/** Arena bytes for the model (or a negative status). verify: check the CRC. */
export function planBytes(file: usize, len: i32, verify: bool): i32 {
  return <i32>walk(file, len, 0, verify);
}

/** Builds the plan into `at` (planBytes bytes, 64-aligned); 0 or a negative status. */
export function planBuild(file: usize, len: i32, at: usize): i32 {
  const r = walk(file, len, at, false);
  return r < 0 ? <i32>r : 0;
}

// @ts-ignore: decorator
@inline function u32at(file: usize, off: i32): i32 {
  return load<i32>(file + <usize>off);
}

function walk(file: usize, len: i32, at: usize, verify: bool): i64 {
  errRecord = -1;
  arena = at;
  cur = 0;
  if (len < 44) return ERR_TRUNCATED;
  if (load<u64>(file) != 0x0a1a0a0d4b4e5889) return ERR_MAGIC;
  const version = u32at(file, 8);
  if (version > FORMAT_VERSION || version < 1) return ERR_VERSION;
  const graph = version >= 2;
  const total = u32at(file, 12);
  if (total < 44 || total > len) return ERR_TRUNCATED;
  if (verify && crc32(file + 20, total - 20) != <u32>u32at(file, 16)) return ERR_CHECKSUM;
  const H = u32at(file, 20), W = u32at(file, 24), C = u32at(file, 28), outputs = u32at(file, 32);
  const nOps = u32at(file, 36), metaLen = u32at(file, 40);
  if (H < 1 || W < 1 || C < 1 || outputs < 1 || nOps < 1 || nOps > 4096 || metaLen < 0) return ERR_MALFORMED;
  if (<i64>H * W * C > LIMIT) return ERR_TOO_LARGE;
  let off: i64 = 44 + ((<i64>metaLen + 3) & ~3);
  if (off > total) return ERR_TRUNCATED;
  const plan = take(<i64>HEADER_BYTES + <i64>nOps * REC_BYTES);
  if (plan) memory.fill(plan, 0, <usize>(HEADER_BYTES + nOps * REC_BYTES));
  tset(0, T_KIND, T_FLOAT); tset(0, T_H, H); tset(0, T_W, W); tset(0, T_C, C); tset(0, T_LAST, -1);
  let kind = T_FLOAT, h = H, w = W, c = C;
  let actMax = tensorBytes(kind, h, w, c), colsMax: i64 = 0, intsMax: i64 = 0, tapsMax: i64 = 0;
  for (let i = 0; i < nOps; i++) {
    errRecord = i;
    if (off + 8 > total) return ERR_TRUNCATED;
    let at8 = <i32>off;
    const op = u32at(file, at8);
    let recLen = u32at(file, at8 + 4);
    if (recLen < 8 || (recLen & 3) != 0) return ERR_MALFORMED;
    if (off + recLen > total) return ERR_TRUNCATED;
    // the tensors read: the previous output in a chain, the listed ones in a graph
    let src0 = i, src1 = -1, nIn = 1;
    if (graph) {
      if (recLen < 12) return ERR_GRAPH;
      nIn = u32at(file, at8 + 8);
      if (nIn < 1 || nIn > 2 || 12 + 4 * nIn > recLen) return ERR_GRAPH;
      src0 = u32at(file, at8 + 12);
      if (nIn == 2) src1 = u32at(file, at8 + 16);
      if (src0 < 0 || src0 > i || (nIn == 2 && (src1 < 0 || src1 > i))) return ERR_GRAPH;
      // the body, framed as a version-1 record
      at8 += 4 * (1 + nIn);
      recLen -= 4 * (1 + nIn);
    }
    if ((op == OP_ADD || op == OP_CONCAT) != (nIn == 2)) return graph ? ERR_GRAPH : ERR_UNSUPPORTED;
    tset(src0, T_LAST, i);
    if (src1 >= 0) tset(src1, T_LAST, i);
    kind = tget(src0, T_KIND); h = tget(src0, T_H); w = tget(src0, T_W); c = tget(src0, T_C);
    const r = plan ? rec(plan, i) : 0;
    sKind = kind; sH = h; sW = w; sC = c; sCols = 0; sInts = 0; sTaps = 0;
    const p = file + <usize>at8;
    let need: i64;
    if (op == OP_CONV) {
      // a bit max-pool next can be fused into a packed conv (infer-xpool.ts); chains only
      const nx = <i32>off + u32at(file, <i32>off + 4);
      const poolNext = !graph && i + 1 < nOps && nx + 12 <= total && u32at(file, nx) == OP_POOL && u32at(file, nx + 8) == T_BITS;
      need = conv(p, recLen, r, poolNext);
    }
    else if (op == OP_POOL) need = pool(p, recLen, r);
    else if (op == OP_AFFINE) need = affine(p, recLen, r);
    else if (op == OP_ACT) {
      const k = recLen == 12 ? load<i32>(p, 8) : -1;
      need = recLen != 12 ? ERR_MALFORMED : k < 1 || k > (graph ? 3 : 2) ? ERR_UNSUPPORTED : kind != T_FLOAT ? ERR_SHAPE : 0;
      if (r) setf(r, F_WK, k);
    } else if (op == OP_SIGN || op == OP_DOREFA2) {
      need = recLen != 8 ? ERR_MALFORMED : kind != T_FLOAT ? ERR_SHAPE : 0;
      sKind = op == OP_SIGN ? T_BITS : T_CODES;
    } else if (op == OP_FLATTEN) {
      need = recLen != 8 ? ERR_MALFORMED : 0;
      sC = h * w * c;
      sH = 1;
      sW = 1;
    } else if (!graph) return ERR_UNSUPPORTED;
    else if (op == OP_ADD || op == OP_CONCAT) {
      need = recLen != 8 ? ERR_MALFORMED : kind != T_FLOAT || tget(src1, T_KIND) != T_FLOAT || tget(src1, T_H) != h || tget(src1, T_W) != w
        || (op == OP_ADD && tget(src1, T_C) != c) ? ERR_SHAPE : 0;
      if (op == OP_CONCAT) sC = c + tget(src1, T_C);
      if (r) setf(r, F_P3, tget(src1, T_C));
    } else if (op == OP_AVGPOOL) need = avgPool(p, recLen, r);
    else if (op == OP_PAD) need = padding(p, recLen, r);
    else if (op == OP_RESHAPE) need = reshape(p, recLen);
    else if (op == OP_PRELU) need = prelu(p, recLen, r);
    else if (op == OP_LEAKY) {
      need = recLen != 16 ? ERR_MALFORMED : kind != T_FLOAT ? ERR_SHAPE : 0;
      const a = take(8);
      if (a) store<f64>(a, load<f64>(p, 8));
      if (r) setf(r, F_P1, <i32>a);
    } else if (op == OP_DEPTHWISE) need = depthwise(p, recLen, r);
    else return ERR_UNSUPPORTED;
    if (need < 0) return need;
    if (r) {
      setf(r, F_OP, op);
      setf(r, F_IN, kind);
      setf(r, F_H, h);
      setf(r, F_W, w);
      setf(r, F_C, c);
      setf(r, F_OUT, sKind);
      setf(r, F_OH, sH);
      setf(r, F_OW, sW);
      setf(r, F_OC, sC);
      setf(r, F_SRC0, src0);
      setf(r, F_SRC1, src1);
    }
    kind = sKind;
    h = sH;
    w = sW;
    c = sC;
    tset(i + 1, T_KIND, kind); tset(i + 1, T_H, h); tset(i + 1, T_W, w); tset(i + 1, T_C, c); tset(i + 1, T_LAST, -1);
    const t = tensorBytes(kind, h, w, c);
    if (t > LIMIT) return ERR_TOO_LARGE;
    actMax = max(actMax, t);
    colsMax = max(colsMax, sCols);
    intsMax = max(intsMax, sInts);
    tapsMax = max(tapsMax, sTaps);
    off += u32at(file, <i32>off + 4);
  }
  errRecord = -1;
  if (kind != T_FLOAT || <i64>h * w * c != <i64>outputs) return ERR_SHAPE;
  if (plan) {
    store<i32>(plan, PLAN_MAGIC);
    store<i32>(plan + (P_NOPS << 2), nOps);
    store<i32>(plan + (P_H << 2), H);
    store<i32>(plan + (P_W << 2), W);
    store<i32>(plan + (P_C << 2), C);
    store<i32>(plan + (P_OUTPUTS << 2), outputs);
    store<i32>(plan + (P_ACT << 2), <i32>actMax);
    store<i32>(plan + (P_COLS << 2), <i32>colsMax);
    store<i32>(plan + (P_INTS << 2), <i32>intsMax);
    store<i32>(plan + (P_TAPS << 2), <i32>tapsMax);
    store<i32>(plan + (P_GRAPH << 2), graph ? 1 : 0);
    if (graph) store<i32>(plan + (P_SLOTS << 2), assignSlots(plan, nOps));
    else cropBeforePools(plan, nOps);
    signRowsSetups(plan, nOps);
  }
  return cur;
}

// The per-layer setup of the float-input sign convs by rows, for the rows
// and columns they compute (their tap offsets depend on the plane size).
function signRowsSetups(plan: usize, nOps: i32): void {
  for (let i = 0; i < nOps; i++) {
    const r = rec(plan, i);
    if (fld(r, F_OP) != OP_CONV || fld(r, F_SETUP) == 0) continue;
    signRowsSetup(<usize>fld(r, F_SETUP), fld(r, F_C), fld(r, F_KH), fld(r, F_KW), fld(r, F_SH), fld(r, F_CH), fld(r, F_CW),
      fld(r, F_OC), <usize>fld(r, F_WPTR), fld(r, F_MODE), <usize>fld(r, F_P1), <usize>fld(r, F_P2));
  }
}

// Buffer slots of a graph's tensors: a record's output takes a free slot
// (never one of its inputs'), and an input's slot is freed after its last
// reader. Returns the number of slots.
function assignSlots(plan: usize, nOps: i32): i32 {
  let slots = 0;
  for (let t = 1; t <= nOps; t++) tset(t, T_SLOT, -1);
  for (let i = 0; i < nOps; i++) {
    const r = rec(plan, i);
    let s = 0;
    for (; s < slots; s++) {
      let busy = false;
      // a slot is busy while a tensor produced before i and read at or after i holds it
      for (let t = 1; t <= i && !busy; t++) busy = tget(t, T_SLOT) == s && tget(t, T_LAST) >= i;
      if (!busy) break;
    }
    if (s == slots) slots++;
    tset(i + 1, T_SLOT, s);
    setf(r, F_DST, s);
    const a = fld(r, F_SRC0), b = fld(r, F_SRC1);
    setf(r, F_SRC0, a == 0 ? -1 : tget(a, T_SLOT));
    setf(r, F_SRC1, b <= 0 ? -1 : tget(b, T_SLOT));
  }
  return slots;
}

// The tensor after the current layer, and the per-image scratch the layer
// needs (globals, not an object: the kernel module never allocates).
let sKind: i32 = 0, sH: i32 = 0, sW: i32 = 0, sC: i32 = 0;
let sCols: i64 = 0, sInts: i64 = 0, sTaps: i64 = 0;

// @ts-ignore: decorator
@inline function outDim(n: i32, pa: i32, pb: i32, k: i32, s: i32): i32 {
  return (n + pa + pb - k) / s + 1;
}

function geometryOk(p: usize, n: i32, k: i32): bool {
  for (let j = 0; j < n; j++) {
    const v = load<i32>(p + (<usize>j << 2));
    if (v < (j < k ? 1 : 0) || v > 65536) return false;
  }
  return true;
}

function conv(p: usize, len: i32, r: usize, poolNext: bool): i64 {
  const inK = load<i32>(p, 8), wK = load<i32>(p, 12);
  if (!geometryOk(p + 16, 9, 5)) return ERR_MALFORMED;
  const KH = load<i32>(p, 16), KW = load<i32>(p, 20), OC = load<i32>(p, 24), SH = load<i32>(p, 28), SW = load<i32>(p, 32);
  const pT = load<i32>(p, 36), pB = load<i32>(p, 40), pL = load<i32>(p, 44), pR = load<i32>(p, 48);
  const padV = load<f32>(p, 52);
  const outK = load<i32>(p, 56), flags = load<i32>(p, 60);
  if (inK != sKind) return ERR_SHAPE;
  if (outK != T_FLOAT && outK != T_BITS) return ERR_UNSUPPORTED;
  if (pT >= KH || pB >= KH || pL >= KW || pR >= KW) return ERR_MALFORMED;
  const padded = pT + pB + pL + pR > 0;
  // supported operand pairs: float x float, float x sign, sign x sign, codes x codes
  const ok = inK == T_FLOAT ? wK == T_FLOAT || wK == T_BITS || wK == T_CODES : wK == inK;
  if (!ok) return ERR_UNSUPPORTED;
  if (inK == T_BITS && padded && padV != 0 && padV != 1) return ERR_UNSUPPORTED;
  if (inK == T_CODES && padded && padV != 0) return ERR_UNSUPPORTED;
  if (inK == T_CODES && outK == T_BITS) return ERR_UNSUPPORTED;
  const OH = outDim(sH, pT, pB, KH, SH), OW = outDim(sW, pL, pR, KW, SW);
  if (OH < 1 || OW < 1) return ERR_SHAPE;
  const K = KH * KW * sC;
  const nw = <i64>K * OC;
  if (nw > LIMIT) return ERR_TOO_LARGE;
  const wBytes = wK == T_FLOAT ? nw * 4 : wK == T_BITS ? (nw + 7) >> 3 : (nw + 3) >> 2;
  const wOff: i64 = 64;
  let q = wOff + ((wBytes + 3) & ~3);
  const hasScale = (flags & 1) != 0, hasShift = (flags & 2) != 0;
  const p1Off = q;
  if (outK == T_FLOAT) q += (hasScale ? <i64>OC * 4 : 0) + (hasShift ? <i64>OC * 4 : 0);
  else q += <i64>OC * 4 + ((OC + 3) & ~3);
  if (q != <i64>len) return ERR_MALFORMED;
  if ((flags & ~3) != 0 || (outK == T_BITS && flags != 0)) return ERR_MALFORMED;
  const floatIn = inK == T_FLOAT;
  const planes = inK == T_CODES ? 2 : 1;
  const OCp = (OC + 3) & ~3;
  const rowWords = words(K) * planes;
  const direct = KH == 1 && KW == 1 && SH == 1 && SW == 1 && !padded && (floatIn || sH * sW == 1 || (sC & 63) == 0);
  // pad_values = 0 on sign bits, kernel module: the implicit-GEMM conv on a
  // zero-bordered copy of the input (bconv.ts), which undoes the padded taps
  // per band of border pixels inside the kernel's output transform, in place
  // of a bit im2col, an integer GEMM and a correcting pass over every pixel
  const padZero = ASC_FEATURE_SIMD && inK == T_BITS && padded && padV == 0;
  // float x float convs whose sums fit one sgemm block: straight from the
  // (bordered) input instead of through im2col rows (infer-fconv.ts)
  const floatRows = ASC_FEATURE_SIMD && floatIn && wK != T_BITS && !direct && floatConvFits(K);
  // the padding the windows reach (none past the last window)
  const reachB = max(0, (OH - 1) * SH + KH - sH - pT), reachR = max(0, (OW - 1) * SW + KW - sW - pL);
  // per-image scratch
  const pix = <i64>OH * OW;
  if (floatRows) {
    if (padded) sCols = <i64>(sH + pT + reachB) * (sW + pL + reachR) * sC * 4;
    if (outK == T_BITS || hasScale || hasShift) sInts = pix * OC * 4;
  } else if (floatIn && wK != T_BITS) {
    if (!direct) sCols = pix * K * 4;
    if (outK == T_BITS || hasScale || hasShift) sInts = pix * OC * 4;
  } else if (floatIn) {
    sTaps = max(<i64>K * 12, SW == 1 ? signRowsBytes(sC, KH, KW, SH, OC, OH, OW) : 0);
  } else if (padZero) {
    sCols = <i64>(sH + pT + reachB) * (sW + pL + reachR) * words(sC) * 8;
  } else {
    if (!direct) sCols = pix * rowWords * 8;
    if (padded && padV == 0) sInts = pix * OC * 4;
  }
  // weights in the kernels' layout
  const wp = p + <usize>wOff;
  let wPtr: usize = 0, tapPop: usize = 0, wRows: usize = 0, lut: usize = 0;
  if (floatIn && wK == T_BITS) {
    wPtr = take(<i64>K * OCp * 4);
    if (wPtr) signMasks(wp, K, OC, OCp, wPtr);
  } else if (floatIn) {
    wPtr = take(nw * 4);
    if (wPtr) floatWeights(wp, wK == T_CODES, <i32>nw, wPtr);
  } else if (padZero) {
    wPtr = take(convPanelBytes(KH, KW, sC, OC));
    if (wPtr) convPanels(wp, KH, KW, sC, OC, wPtr);
    tapPop = take(<i64>KH * KW * OC * 4);
    if (tapPop) tapPopcounts(wp, KH * KW, sC, OC, tapPop);
  } else {
    const pb = panelBytesOf(rowWords);
    wPtr = take(<i64>((OC + 3) >> 2) * pb);
    if (wPtr) panels(wp, K, OC, planes, pb, wPtr);
    if (inK == T_BITS && padded && padV == 0) {
      tapPop = take(<i64>KH * KW * OC * 4);
      if (tapPop) tapPopcounts(wp, KH * KW, sC, OC, tapPop);
    } else if (inK == T_BITS && outK == T_BITS && (poolNext || (ASC_FEATURE_SIMD && rowWords <= ROWS_MAX_WORDS))) {
      // weight rows and popcount intervals: the fused conv + pool, or the
      // pair kernel on short rows (xnorRowsBits) when no pool follows
      // (the kernel module's pair kernels also read the intervals in a vector form)
      wRows = take(<i64>OC * rowWords * 8 + <i64>OC * 8 + (ASC_FEATURE_SIMD ? vectorIntervalsBytes(OC) : 0));
      if (wRows) weightRows(wp, K, OC, rowWords, wRows);
      if (direct && poolNext) sCols = pix * rowWords * 8;
      // the pair kernels' workspace after the rows, then (not direct) a
      // bordered copy of the input (infer-windows.ts)
      sCols += <i64>pairWorkspaceBytes(rowWords, OC);
      if (!direct) sCols += windowSpareBytes(sH, sW, sC, KH, KW, SH, SW, pT, pL, OH, OW);
      if (ASC_FEATURE_SIMD && pix >= LUT_MIN_PIXELS && lutFits(K) && lutTableBytes(K, OC) <= LUT_MAX_BYTES) {
        // and lookup tables for convs with many pixels (used on enough
        // rows), their workspace in the ints scratch; before a pool also
        // the bits of half the pixels
        lut = take(lutTableBytes(K, OC));
        if (lut) lutTables(wRows, K, OC, rowWords, lut);
        sInts = max(sInts, <i64>lutWorkspaceBytes(<i32>pix) + (poolNext ? (pix >> 1) * words(OC) * 8 : 0));
      }
    }
  }
  // output transform arrays, padded to whole lane groups
  let p1: usize = 0, p2: usize = 0;
  const src = p + <usize>p1Off;
  if (outK == T_BITS) {
    p1 = take(<i64>OCp * 4);
    p2 = take(<i64>OCp * 4);
    if (p1) {
      memory.fill(p1, 0, <usize>OCp << 2);
      memory.fill(p2, 0, <usize>OCp << 2);
      memory.copy(p1, src, <usize>OC << 2);
      for (let o = 0; o < OC; o++) {
        const f = load<u8>(src + (<usize>OC << 2) + <usize>o) != 0;
        // float inputs negate by flipping the sign bit; integer kernels want 0/1
        store<u32>(p2 + (<usize>o << 2), f ? (floatIn ? 0x80000000 : 1) : 0);
      }
    }
  } else if (hasScale || hasShift || !floatIn) {
    p1 = take(<i64>OCp * 4);
    if (p1) {
      for (let o = 0; o < OCp; o++) store<f32>(p1 + (<usize>o << 2), hasScale && o < OC ? load<f32>(src + (<usize>o << 2)) : 1);
    }
    if (hasShift) {
      p2 = take(<i64>OCp * 4);
      if (p2) {
        memory.fill(p2, 0, <usize>OCp << 2);
        memory.copy(p2, src + (hasScale ? <usize>OC << 2 : 0), <usize>OC << 2);
      }
    }
  }
  if (wRows && p1) {
    popcountIntervals(p1, p2, K, OC, wRows + <usize>OC * rowWords * 8);
    if (ASC_FEATURE_SIMD) vectorIntervalsOf(wRows + <usize>OC * rowWords * 8, OC, K);
  }
  // what the float-input sign conv by rows computes once per layer (tap
  // table, integer bounds): written by signRowsSetups once the output rows
  // computed are known (cropBeforePools)
  const setup = ASC_FEATURE_SIMD && floatIn && wK == T_BITS && SW == 1
    ? take(signRowsSetupBytes(sC, KH, KW, OC, outK == T_BITS ? OUT_BITS : OUT_FLOAT)) : 0;
  if (r) {
    setf(r, F_WK, wK);
    setf(r, F_KH, KH); setf(r, F_KW, KW); setf(r, F_SH, SH); setf(r, F_SW, SW);
    setf(r, F_PT, pT); setf(r, F_PL, pL);
    setf(r, F_PADV, reinterpret<i32>(padV));
    setf(r, F_CH, OH); setf(r, F_CW, OW);
    setf(r, F_K, K);
    setf(r, F_WPTR, <i32>wPtr); setf(r, F_P1, <i32>p1); setf(r, F_P2, <i32>p2); setf(r, F_TAPPOP, <i32>tapPop);
    setf(r, F_MODE, outK == T_BITS ? 2 : 1);
    setf(r, F_DIRECT, direct ? 1 : 0);
    setf(r, F_WROWS, <i32>wRows);
    setf(r, F_LUT, <i32>lut);
    setf(r, F_SETUP, <i32>setup);
    setf(r, F_PADDED, padZero || floatRows ? ((reachB << 16) | reachR) + 1 : 0);
  }
  sKind = outK;
  sH = OH;
  sW = OW;
  sC = OC;
  return 0;
}

function pool(p: usize, len: i32, r: usize): i64 {
  const kind = load<i32>(p, 8);
  if (!geometryOk(p + 12, 8, 4)) return ERR_MALFORMED;
  const KH = load<i32>(p, 12), KW = load<i32>(p, 16), SH = load<i32>(p, 20), SW = load<i32>(p, 24);
  const pT = load<i32>(p, 28), pB = load<i32>(p, 32), pL = load<i32>(p, 36), pR = load<i32>(p, 40);
  if (kind != sKind || kind == T_CODES) return kind == T_CODES ? ERR_UNSUPPORTED : ERR_SHAPE;
  if (pT >= KH || pB >= KH || pL >= KW || pR >= KW) return ERR_MALFORMED;
  const maskBytes = kind == T_BITS ? (((sC + 7) >> 3) + 3) & ~3 : 0;
  if (len != 44 + maskBytes) return ERR_MALFORMED;
  const OH = outDim(sH, pT, pB, KH, SH), OW = outDim(sW, pL, pR, KW, SW);
  if (OH < 1 || OW < 1) return ERR_SHAPE;
  let mask: usize = 0;
  if (kind == T_BITS) {
    const cw = words(sC);
    mask = take(<i64>cw * 8);
    if (mask) {
      memory.fill(mask, 0, <usize>cw << 3);
      memory.copy(mask, p + 44, <usize>((sC + 7) >> 3));
    }
  }
  if (r) {
    setf(r, F_KH, KH); setf(r, F_KW, KW); setf(r, F_SH, SH); setf(r, F_SW, SW);
    setf(r, F_PT, pT); setf(r, F_PL, pL);
    setf(r, F_P1, <i32>mask);
  }
  sH = OH;
  sW = OW;
  return 0;
}

function affine(p: usize, len: i32, r: usize): i64 {
  if (sKind != T_FLOAT) return ERR_SHAPE;
  if (len < 12) return ERR_MALFORMED;
  const flags = load<i32>(p, 8);
  const C = sC;
  if ((flags & ~3) != 0 || len != 12 + ((flags & 1) + ((flags >> 1) & 1)) * C * 4) return ERR_MALFORMED;
  let scale: usize = 0, shift: usize = 0, q: usize = p + 12;
  if (flags & 1) {
    scale = take(<i64>C * 4);
    if (scale) memory.copy(scale, q, <usize>C << 2);
    q += <usize>C << 2;
  }
  if (flags & 2) {
    shift = take(<i64>C * 4);
    if (shift) memory.copy(shift, q, <usize>C << 2);
  }
  if (r) {
    setf(r, F_P1, <i32>scale);
    setf(r, F_P2, <i32>shift);
  }
  return 0;
}

// A conv whose output only feeds a max-pool need not compute the rows and
// columns no pool window reaches (e.g. row 10 of 11 under a 2x2 valid pool).
function cropBeforePools(plan: usize, nOps: i32): void {
  for (let i = 0; i + 1 < nOps; i++) {
    const a = rec(plan, i), b = rec(plan, i + 1);
    if (fld(a, F_OP) != OP_CONV || fld(b, F_OP) != OP_POOL) continue;
    const ch = min(fld(a, F_OH), (fld(b, F_OH) - 1) * fld(b, F_SH) - fld(b, F_PT) + fld(b, F_KH));
    const cw = min(fld(a, F_OW), (fld(b, F_OW) - 1) * fld(b, F_SW) - fld(b, F_PL) + fld(b, F_KW));
    setf(a, F_CH, ch);
    setf(a, F_CW, cw);
    setf(b, F_H, ch);
    setf(b, F_W, cw);
  }
}

// Graph-form records (version 2). Float tensors only.

function avgPool(p: usize, len: i32, r: usize): i64 {
  if (len != 40) return ERR_MALFORMED;
  if (!geometryOk(p + 8, 8, 4)) return ERR_MALFORMED;
  const KH = load<i32>(p, 8), KW = load<i32>(p, 12), SH = load<i32>(p, 16), SW = load<i32>(p, 20);
  const pT = load<i32>(p, 24), pB = load<i32>(p, 28), pL = load<i32>(p, 32), pR = load<i32>(p, 36);
  if (sKind != T_FLOAT) return ERR_SHAPE;
  if (pT >= KH || pB >= KH || pL >= KW || pR >= KW) return ERR_MALFORMED;
  const OH = outDim(sH, pT, pB, KH, SH), OW = outDim(sW, pL, pR, KW, SW);
  if (OH < 1 || OW < 1) return ERR_SHAPE;
  if (r) {
    setf(r, F_KH, KH); setf(r, F_KW, KW); setf(r, F_SH, SH); setf(r, F_SW, SW);
    setf(r, F_PT, pT); setf(r, F_PL, pL);
  }
  sH = OH;
  sW = OW;
  return 0;
}

function padding(p: usize, len: i32, r: usize): i64 {
  if (len != 28) return ERR_MALFORMED;
  if (!geometryOk(p + 8, 4, 0)) return ERR_MALFORMED;
  if (sKind != T_FLOAT) return ERR_SHAPE;
  const pT = load<i32>(p, 8), pB = load<i32>(p, 12), pL = load<i32>(p, 16), pR = load<i32>(p, 20);
  if (r) {
    setf(r, F_PT, pT); setf(r, F_PL, pL);
    setf(r, F_PADV, load<i32>(p, 24));
  }
  sH += pT + pB;
  sW += pL + pR;
  return 0;
}

function reshape(p: usize, len: i32): i64 {
  if (len != 20) return ERR_MALFORMED;
  if (sKind != T_FLOAT) return ERR_SHAPE;
  const nH = load<i32>(p, 8), nW = load<i32>(p, 12), nC = load<i32>(p, 16);
  if (nH < 1 || nW < 1 || nC < 1) return ERR_MALFORMED;
  if (<i64>nH * nW * nC != <i64>sH * sW * sC) return ERR_SHAPE;
  sH = nH;
  sW = nW;
  sC = nC;
  return 0;
}

function prelu(p: usize, len: i32, r: usize): i64 {
  if (len < 16) return ERR_MALFORMED;
  const A = load<i32>(p, 8);
  if (A < 1 || A > (len - 12) >> 2 || len != 12 + 4 * A) return ERR_MALFORMED;
  if (sKind != T_FLOAT) return ERR_SHAPE;
  // the slopes tile each image: A divides its H*W*C values
  if ((<i64>sH * sW * sC) % A != 0) return ERR_SHAPE;
  const alpha = take(<i64>A * 4);
  if (alpha) memory.copy(alpha, p + 12, <usize>A << 2);
  if (r) {
    setf(r, F_P1, <i32>alpha);
    setf(r, F_P3, A);
  }
  return 0;
}

function depthwise(p: usize, len: i32, r: usize): i64 {
  if (len < 52) return ERR_MALFORMED;
  if (!geometryOk(p + 8, 9, 5)) return ERR_MALFORMED;
  const KH = load<i32>(p, 8), KW = load<i32>(p, 12), M = load<i32>(p, 16), SH = load<i32>(p, 20), SW = load<i32>(p, 24);
  const pT = load<i32>(p, 28), pB = load<i32>(p, 32), pL = load<i32>(p, 36), pR = load<i32>(p, 40);
  const flags = load<i32>(p, 44);
  if (sKind != T_FLOAT) return ERR_SHAPE;
  if ((flags & ~3) != 0) return ERR_MALFORMED;
  if (pT >= KH || pB >= KH || pL >= KW || pR >= KW) return ERR_MALFORMED;
  const OH = outDim(sH, pT, pB, KH, SH), OW = outDim(sW, pL, pR, KW, SW);
  if (OH < 1 || OW < 1) return ERR_SHAPE;
  const OC = <i64>sC * M;
  const nw = <i64>KH * KW * OC;
  if (nw > LIMIT || OC > 65536) return ERR_TOO_LARGE;
  const arrays = ((flags & 1) + ((flags >> 1) & 1)) * OC;
  if (<i64>len != 48 + (nw + arrays) * 4) return ERR_MALFORMED;
  const wPtr = take(nw * 4);
  if (wPtr) memory.copy(wPtr, p + 48, <usize>nw << 2);
  let q = p + 48 + (<usize>nw << 2);
  let scale: usize = 0, shift: usize = 0;
  if (flags & 1) {
    scale = take(OC * 4);
    if (scale) memory.copy(scale, q, <usize>OC << 2);
    q += <usize>OC << 2;
  }
  if (flags & 2) {
    shift = take(OC * 4);
    if (shift) memory.copy(shift, q, <usize>OC << 2);
  }
  if (r) {
    setf(r, F_KH, KH); setf(r, F_KW, KW); setf(r, F_SH, SH); setf(r, F_SW, SW);
    setf(r, F_PT, pT); setf(r, F_PL, pL);
    setf(r, F_WPTR, <i32>wPtr); setf(r, F_P1, <i32>scale); setf(r, F_P2, <i32>shift); setf(r, F_P3, M);
  }
  sH = OH;
  sW = OW;
  sC = <i32>OC;
  return 0;
}
