// The inference engine inside the kernel module (build/xnorkit.wasm), which
// src/deploy/ drives from JavaScript and splits across worker threads by
// images. It swaps the portable binary GEMMs for the register-tiled SIMD
// ones (same integers, same output transform; see infer-exec.ts).
import { bgemm, bgemmWorkspaceBytes } from "./bgemm";
import { bserialGemm, bserialGemmWorkspaceBytes } from "./bserial";
import { setBinaryGemms } from "./infer-exec";

function xnor(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  mode: i32, p1: usize, p2: usize, ws: usize): void {
  bgemm(M, N, K, A, lda, B, out, ldo, mode, p1, p2, 0, 0, 0, ws);
}
function xnorWs(M: i32, K: i32): i32 {
  return bgemmWorkspaceBytes(K);
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
