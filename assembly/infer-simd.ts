// The inference engine inside the kernel module (build/xnorkit.wasm), which
// src/deploy/ drives from JavaScript and splits across worker threads by
// images. It swaps the portable binary GEMMs for the register-tiled SIMD
// ones (same integers, same output transform; see infer-exec.ts).
import { bgemm, bgemmWorkspaceBytes } from "./bgemm";
import { bserialGemm, bserialGemmWorkspaceBytes } from "./bserial";
import { setBinaryGemms, setPaddedConv, planRun } from "./infer-exec";
import { bconv2dTaps, bconv2dWorkspaceBytes } from "./bconv";
import { csaGemm, csaGemmWorkspaceBytes } from "./infer-csa";
import { PATH_CSA } from "./bcsa";
import { PATH_SCALAR } from "./btiles";

// The binary GEMMs' code path (bgemm's path argument: 1 scalar, 2 v128,
// 3 hybrid, 5 carry-save; 0 = scalar), set by each inferRunPath call: every thread's
// instance has its own copy, and the path travels with the task.
let xnorPath: i32 = 0;
// Rows of at least 16 words take the carry-save kernel on PATH_CSA.
const CSA_MIN_BITS = 1024;

function xnor(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize): void {
  // the engine's path is tuned per model, not per layer: on the carry-save
  // path, layers with short rows (where a tile's fixed costs outweigh the
  // popcounts it saves) keep the tiled scalar kernel
  if (xnorPath == PATH_CSA && K >= CSA_MIN_BITS) csaGemm(M, N, K, A, lda, B, out, ldo, mode, p1, p2, ws);
  else bgemm(M, N, K, A, lda, B, out, ldo, mode, p1, p2, 0, 0, xnorPath == PATH_CSA ? PATH_SCALAR : xnorPath, ws);
}
function xnorWs(M: i32, K: i32): i32 {
  return max(bgemmWorkspaceBytes(K), csaGemmWorkspaceBytes(K));
}
function serial(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize): void {
  bserialGemm(M, N, K, A, lda, B, out, ldo, mode, p1, p2, 0, 0, ws);
}
function serialWs(M: i32, K: i32): i32 {
  return bserialGemmWorkspaceBytes(M, K);
}

// Zero-padded packed convs (pad_values = 0) on their zero-bordered input:
// the same path rule as xnor, on the conv's reduction length.
function paddedConv(X: usize, N: i32, H: i32, W: i32, C: i32, pT: i32, pB: i32, pL: i32, pR: i32,
  Wp: usize, tapPop: usize, OC: i32, KH: i32, KW: i32, SH: i32, SW: i32, out: usize, mode: i32, p1: usize, p2: usize, ws: usize): void {
  const K = KH * KW * C;
  const path = xnorPath == PATH_CSA && K < CSA_MIN_BITS ? PATH_SCALAR : xnorPath == 0 ? PATH_SCALAR : xnorPath;
  const OH = (H + pT + pB - KH) / SH + 1, OW = (W + pL + pR - KW) / SW + 1;
  bconv2dTaps(X, N, H, W, C, pT, pB, pL, pR, Wp, OC, KH, KW, SH, SW, 0, tapPop, out, OW, OH * OW, mode, p1, p2, 0, 0, path, ws);
}

setBinaryGemms(xnor, xnorWs, serial, serialWs);
setPaddedConv(paddedConv, bconv2dWorkspaceBytes);

export { planBytes as inferPlanBytes, planBuild as inferPlanBuild, planErrorRecord as inferErrorRecord } from "./infer-plan";
export { planWorkspaceBytes as inferWorkspaceBytes, planRun as inferRun } from "./infer-exec";

/** planRun with the binary GEMMs on `path` (same results on every path; src/deploy/engine.ts tunes it). */
export function inferRunPath(plan: usize, X: usize, n: i32, out: usize, ws: usize, B: i32, path: i32): void {
  xnorPath = path;
  planRun(plan, X, n, out, ws, B);
}
