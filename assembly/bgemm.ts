// Binary GEMM (XNOR-popcount) for dense layers: rows of packed activations
// against a packed weight panel, with the fused output transform.
import { beginOutput } from "./bitops";
import { xnorTiles, resolvePath, tilesWorkspaceBytes } from "./btiles";
import { csaWorkspaceBytes, PATH_CSA } from "./bcsa";
import { csaTiles } from "./bcsa-tiles";

export function bgemmWorkspaceBytes(K: i32): i32 {
  return max(tilesWorkspaceBytes((K + 63) >> 6), csaWorkspaceBytes(1, (K + 63) >> 6));
}

/**
 * out[m, n] = transform(dot[m, n]) for m < M, n < N, where
 * dot[m, n] = K - 2*popcount(A[m] xor B[n]) = sum over k < K of a*w in ±1.
 * A: M rows of KW = ceil(K/64) u64 words, row m at A + m*lda*8 (bits past K zero).
 * B: weight panels from bitpackWeights(.., KH=1, KW=1, C=K, OC=N).
 * out row m starts at out + m*ldo*(4 bytes for OUT_INT/OUT_FLOAT, 8 for OUT_BITS).
 * Transform/limit arguments: see beginOutput (bitops.ts). path: 0 auto,
 * 1 scalar, 2 v128, 3 hybrid, 5 carry-save (bcsa.ts). ws: bgemmWorkspaceBytes(K) bytes.
 */
export function bgemm(M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, out: usize, ldo: i32,
  outMode: i32, p1: usize, p2: usize, accBits: i32, accMode: i32, path: i32, ws: usize): void {
  beginOutput(outMode, p1, p2, accBits, accMode);
  const KW = (K + 63) >> 6;
  const oPix = <usize>ldo << (outMode == 2 ? 3 : 2);
  const p = resolvePath(path);
  if (p == PATH_CSA) csaTiles(A, 0, 0, <usize>lda << 3, 0, 1, KW, B, N, 1, 0, 1, 0, M, out, 0, 0, oPix, K, 0, ws);
  else xnorTiles(A, 0, 0, <usize>lda << 3, 0, 1, KW, B, N, 1, 0, 1, 0, M, out, 0, 0, oPix, K, 0, p, ws);
}

// The 2-bit bit-serial kernels share the tile loop; exported from here so the
// module entry (index.ts) picks them up with the GEMM.
export * from "./bserial";
