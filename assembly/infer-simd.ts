// The inference engine inside the kernel module (build/xnorkit.wasm), which
// src/deploy/ drives from JavaScript and splits across worker threads by
// images. It swaps the portable binary GEMMs for the register-tiled SIMD
// ones (same integers, same output transform; see infer-exec.ts).
import { bgemm, bgemmWorkspaceBytes } from "./bgemm";
import { bserialGemm, bserialGemmWorkspaceBytes } from "./bserial";
import { setBinaryGemms, planRun } from "./infer-exec";
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

setBinaryGemms(xnor, xnorWs, serial, serialWs);

export { planBytes as inferPlanBytes, planBuild as inferPlanBuild, planErrorRecord as inferErrorRecord } from "./infer-plan";
export { planWorkspaceBytes as inferWorkspaceBytes, planRun as inferRun } from "./infer-exec";

/** planRun with the binary GEMMs on `path` (same results on every path; src/deploy/engine.ts tunes it). */
export function inferRunPath(plan: usize, X: usize, n: i32, out: usize, ws: usize, B: i32, path: i32): void {
  xnorPath = path;
  planRun(plan, X, n, out, ws, B);
}
