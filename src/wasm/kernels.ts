// The typed surface of build/xnorkit.wasm. Pointers (Ptr) are byte offsets into
// the shared linear memory; every array is owned by the JS allocator
// (memory.ts) and kernels never allocate. All float arrays are f32, all index
// arrays i32, row-major, images NHWC. Add a kernel here when you export it from
// assembly/index.ts.
import type { BinaryKernels } from './binaryKernels.js';
import type { QuantizeKernels } from './quantizeKernels.js';

type Ptr = number;

export interface KernelExports extends FloatKernels, BinaryKernels, QuantizeKernels {}

export interface FloatKernels {
  heapBase(): Ptr;

  // --- sgemm.ts -------------------------------------------------------------
  /** C[M,N] = alpha*op(A)*op(B) + beta*C. op(A) is [M,K] (A stored [K,M] when transA),
   *  op(B) is [K,N] (B stored [N,K] when transB). ws: sgemmWorkspaceBytes(M,N,K) bytes. */
  sgemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    A: Ptr, lda: number, B: Ptr, ldb: number, beta: number, C: Ptr, ldc: number, ws: Ptr): void;
  sgemmWorkspaceBytes(M: number, N: number, K: number): number;

  /** S[i] = sign(x[i]) as int8 (+1 for x >= 0); returns how many equal the S given. */
  signFlipsUnchanged(X: Ptr, n: number, S: Ptr): number;

  // --- gaussian.ts -----------------------------------------------------------
  /** dst[i] = src[i] + std·z_i (ziggurat fast path) from `from` until done (returns n) or a slow-path draw (returns i). */
  addGaussianRun(src: Ptr, dst: Ptr, from: number, n: number, std: number, state: Ptr, kn: Ptr, wn: Ptr): number;
  /** Population std of x[0..n) with float64 sums in index order. */
  stdF64(x: Ptr, n: number): number;

  // --- sgemmSparse.ts (bit-identical to sgemm, zero terms of the sparse operand skipped) --
  /** C[M,N] = A[M,K]·B[N,K]ᵀ with A mostly zeros. ws: sgemmSparseNTWorkspaceBytes(N,K). */
  sgemmSparseNT(M: number, N: number, K: number, A: Ptr, lda: number, B: Ptr, ldb: number,
    C: Ptr, ldc: number, ws: Ptr): void;
  sgemmSparseNTWorkspaceBytes(N: number, K: number): number;
  /** conv2d's input gradient dX = col2im(G·Wkᵀ), G [N*OH*OW, OC] mostly zeros, Wk [KH*KW*C, OC], without the patch
   *  gradient matrix; images [0, N) of dX overwritten. ws: convInputGradSparseWorkspaceBytes(KH*KW*C, OC). */
  convInputGradSparse(G: Ptr, OC: number, Wk: Ptr, N: number, H: number, W: number, C: number, KH: number, KW: number,
    SH: number, SW: number, PT: number, PL: number, OH: number, OW: number, dX: Ptr, ws: Ptr): void;
  convInputGradSparseWorkspaceBytes(K: number, OC: number): number;
  /** Output channels [c0,c1) of conv2d's weight gradient dW[KH*KW*C, OC] = colsᵀ·G, G mostly zeros,
   *  patches read from X (already padded: every window inside). ws: convWeightGradSparseWorkspaceBytes(KH*KW*C, c1-c0). */
  convWeightGradSparse(X: Ptr, N: number, H: number, W: number, C: number, KH: number, KW: number,
    SH: number, SW: number, OH: number, OW: number, G: Ptr, OC: number, dW: Ptr,
    c0: number, c1: number, ws: Ptr): void;
  convWeightGradSparseWorkspaceBytes(K: number, nc: number): number;
  /** Non-zero (or NaN) floats among x[0..n). */
  countNonzeros(x: Ptr, n: number): number;

  // --- im2col.ts (zero padding; PT/PL = top/left padding) --------------------
  /** cols[N*OH*OW, KH*KW*C] (patch element order kh, kw, c) from X[N,H,W,C]. */
  im2col(X: Ptr, N: number, H: number, W: number, C: number, KH: number, KW: number,
    SH: number, SW: number, PT: number, PL: number, OH: number, OW: number, cols: Ptr): void;
  /** dX[N,H,W,C] = scatter-add of cols (dX is overwritten, not accumulated). */
  col2im(cols: Ptr, N: number, H: number, W: number, C: number, KH: number, KW: number,
    SH: number, SW: number, PT: number, PL: number, OH: number, OW: number, dX: Ptr): void;

  // --- pool.ts ----------------------------------------------------------------
  /** Y[N,OH,OW,C] = max over the window (padding cells ignored); argmax[i] = flat index into X.
   *  Ties: the first maximum in (kh, kw) order (lowest index) wins. A window with no in-bounds
   *  cell (padding >= kernel size) gives Y = 0, argmax = -1. */
  maxPool2dForward(X: Ptr, N: number, H: number, W: number, C: number, KH: number, KW: number,
    SH: number, SW: number, PT: number, PL: number, OH: number, OW: number, Y: Ptr, argmax: Ptr): void;
  /** dX (xSize elements) = 0, then dX[argmax[i]] += dY[i] for i < ySize (argmax < 0 skipped). */
  maxPool2dBackward(dY: Ptr, argmax: Ptr, ySize: number, dX: Ptr, xSize: number): void;
  /** maxPool2dBackward when windows never overlap (SH >= KH, SW >= KW): writes every dX element once, no fill. */
  maxPool2dBackwardDisjoint(dY: Ptr, argmax: Ptr, N: number, H: number, W: number, C: number, KH: number, KW: number,
    SH: number, SW: number, PT: number, PL: number, OH: number, OW: number, dX: Ptr): void;

  // --- batchnorm.ts (channels = last axis; rows = product of the other axes) --
  /** mean[c], variance[c] (biased, divided by rows) of X[rows, C]. Two-pass, f64 totals. */
  channelMeanVar(X: Ptr, rows: number, C: number, mean: Ptr, variance: Ptr): void;
  /** Y = X * scale[c] + shift[c]. Y may equal X. */
  channelScaleShift(X: Ptr, rows: number, C: number, scale: Ptr, shift: Ptr, Y: Ptr): void;
  /** Training-mode BN backward with xhat = (X-mean)*invStd, y = gamma*xhat + beta:
   *  dBeta[c] = sum dY; dGamma[c] = sum dY*xhat;
   *  dX = gamma*invStd/rows * (rows*dY - dBeta - xhat*dGamma). gamma==0 (null) means gamma=1.
   *  dX may equal dY. */
  batchNormBackward(dY: Ptr, X: Ptr, rows: number, C: number, mean: Ptr, invStd: Ptr, gamma: Ptr,
    dX: Ptr, dGamma: Ptr, dBeta: Ptr): void;
  /** out[c] = sum over rows of X[r, c]. */
  columnSum(X: Ptr, rows: number, C: number, out: Ptr): void;

  // --- elementwise.ts (n elements; output may alias an input) ----------------
  fill(Y: Ptr, n: number, value: number): void;
  add(A: Ptr, B: Ptr, n: number, Y: Ptr): void;
  sub(A: Ptr, B: Ptr, n: number, Y: Ptr): void;
  mul(A: Ptr, B: Ptr, n: number, Y: Ptr): void;
  /** Y = a*X + b */
  affine(X: Ptr, n: number, a: number, b: number, Y: Ptr): void;
  /** Y += a*X */
  axpy(n: number, a: number, X: Ptr, Y: Ptr): void;
  /** Y[r, c] = X[r, c] + b[c] */
  biasAdd(X: Ptr, rows: number, C: number, b: Ptr, Y: Ptr): void;
  /** Y = X > 0 ? X : 0 (NaN -> 0) */
  relu(X: Ptr, n: number, Y: Ptr): void;
  /** dX = dY where X > 0 else 0 */
  reluBackward(X: Ptr, dY: Ptr, n: number, dX: Ptr): void;
  /** Y = clamp(X, -1, 1) (NaN -> -1) */
  hardTanh(X: Ptr, n: number, Y: Ptr): void;
  /** dX = dY where |X| <= 1 else 0 */
  hardTanhBackward(X: Ptr, dY: Ptr, n: number, dX: Ptr): void;
  /** sum of X as f64 accumulation */
  sum(X: Ptr, n: number): number;
  /** sum of X*X */
  sumSquares(X: Ptr, n: number): number;
  /** Adam step on n parameters; lr already includes bias correction (lr_t). */
  adamUpdate(P: Ptr, G: Ptr, M: Ptr, V: Ptr, n: number, lrT: number, beta1: number, beta2: number, eps: number): void;
  /** SGD with momentum: V = momentum*V - lr*G; P += nesterov ? momentum*V - lr*G : V.
   *  momentum 0: P -= lr*G and V is not touched (may be 0). */
  sgdUpdate(P: Ptr, G: Ptr, V: Ptr, n: number, lr: number, momentum: number, nesterov: number): void;
}
