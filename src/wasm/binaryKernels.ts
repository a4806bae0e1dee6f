// The typed surface of the bit-packed kernels (assembly/bitpack.ts, bgemm.ts,
// bconv.ts, bserial.ts; tiles in bmicro.ts, output transform in bitops.ts).
// Pointers are byte offsets into the shared linear memory; kernels never
// allocate, workspaces come from the caller. Friendlier wrappers that take
// shapes and options: src/ops/binary/.
//
// Bits. Activations are NHWC with channels packed LSB-first into u64 words
// (CW = ceil(C/64) words per pixel), bit 1 = -1 (x < 0), bit 0 = +1 (x >= 0,
// so sign(0) = +1 as Larq's ste_sign); bits past C are 0. Weights HWIO
// [KH, KW, C, OC] are packed into "panels" of 4 output channels in the order
// the micro-kernels read them (per panel, per kernel row, per pair of words:
// 4 channels x 2 words); size from bitpackWeightsBytes.
// A binary dot over K real inputs is dot = K - 2*popcount(a xor w).
//
// Bit planes (planes = 2): the 2-bit DoReFa grids, activations x = a/3 with
// code a = round(3x) in 0..3, weights w = (2b-3)/3 with b = round(3(w+1)/2).
// Words of plane 0 and plane 1 alternate. The bit-serial kernels return
// D = 2*sum(a*b) - 3*sum(a) = 9 * sum(x*w), exactly.
//
// Output transform (outMode, p1, p2), shared by every GEMM/conv kernel:
//   OUT_INT   (0): i32 dot;
//   OUT_FLOAT (1): f32 y = f32(dot) * scale[c] + bias[c] (f32 mul then add;
//                  p1 = scale f32[OC], p2 = bias f32[OC] or 0 for none);
//   OUT_BITS  (2): packed bits (channels LSB-first as above), bit 1 when
//                  (flip[c] ? -dot : dot) < thr[c] (p1 = thr i32[OC],
//                  p2 = flip i32[OC] of 0/1, or 0 for none); see
//                  thresholdsFromAffine (src/ops/binary/output.ts) to get
//                  exactly sign(y) of the OUT_FLOAT value.
// Accumulator limit (accBits, accMode), applied to the exact dot before the
// transform: accBits = 0 (or >= 32) is off; otherwise the dot is mapped to
// the signed accBits-bit range [-2^(b-1), 2^(b-1)-1]: accMode 0 saturates
// (clamps the final value), accMode 1 wraps (two's complement, which equals
// an accumulator wrapping at every step, as addition mod 2^b is
// order-independent). A per-step saturating accumulator would depend on the
// summation order, which a popcount has not; the clamp is its read-out model.
//
// path: 0 auto, 1 scalar popcnt<u64> (3 pixels x 8 channels per tile, the
// tile's activations gathered into a workspace panel), 2 v128 (i8x16.popcnt +
// pairwise widening, 3 x 4 tiles), 3 hybrid (two channels v128, two scalar),
// 5 carry-save (bcsa.ts: 2 pixels x 2 channels, bit planes of the XOR words).
// All paths give identical results. Auto is scalar: on x64, V8 lowers
// i8x16.popcnt to a PSHUFB nibble lookup of ~8 uops per 128 bits while
// POPCNT is one uop per 64 bits, and the scalar path was the fastest on every
// benchmarked shape (numbers in assembly/btiles.ts, current ones in
// bench/results/kernels.json under "paths"). Only bit-serial kernels ignore path.

type Ptr = number;

export const OUT_INT = 0;
export const OUT_FLOAT = 1;
export const OUT_BITS = 2;
export const ACC_SATURATE = 0;
export const ACC_WRAP = 1;
export const PATH_AUTO = 0;
export const PATH_SCALAR = 1;
export const PATH_V128 = 2;
export const PATH_HYBRID = 3;
export const PATH_CSA = 5;

export interface BinaryKernels {
  // --- bitpack.ts -------------------------------------------------------------
  /** X f32[N,H,W,C] -> u64 words [N, H+padT+padB, W+padL+padR, CW*planes], the
   *  border words zero (= +1 for signs, 0 for 2-bit codes). planes: 1 signs, 2 DoReFa codes. */
  bitpackNHWC(X: Ptr, N: number, H: number, W: number, C: number,
    padT: number, padB: number, padL: number, padR: number, planes: number, out: Ptr): void;
  /** Inverse of bitpackNHWC (no border): ±1 (planes 1) or a/3 (planes 2) as f32[N,H,W,C]. */
  bitunpackNHWC(P: Ptr, N: number, H: number, W: number, C: number, planes: number, out: Ptr): void;
  /** Bytes of bitpackWeights' output. */
  bitpackWeightsBytes(KH: number, KW: number, C: number, OC: number, planes: number): number;
  /** Bytes of bitpackWeights' workspace. */
  bitpackWeightsWorkspaceBytes(): number;
  /** Wt f32[KH,KW,C,OC] (HWIO; a dense kernel [K,N] is KH=KW=1, C=K, OC=N) -> panels.
   *  planes 2 expects DoReFa weights on the 2-bit grid {-1,-1/3,1/3,1}. */
  bitpackWeights(Wt: Ptr, KH: number, KW: number, C: number, OC: number, planes: number, out: Ptr, ws: Ptr): void;

  // --- bgemm.ts ---------------------------------------------------------------
  /** Bytes of bgemm's workspace (the scalar path gathers each 3-row tile there). */
  bgemmWorkspaceBytes(K: number): number;
  /** out[m,n] = transform(K - 2*popcount(A[m] xor B[n])), m < M, n < N.
   *  A: M rows of ceil(K/64) words, row m at A + 8*m*lda. B: panels of a [K,N] kernel.
   *  Row m of out at out + m*ldo*(4 bytes, or 8 for OUT_BITS). */
  bgemm(M: number, N: number, K: number, A: Ptr, lda: number, B: Ptr, out: Ptr, ldo: number,
    outMode: number, p1: Ptr, p2: Ptr, accBits: number, accMode: number, path: number, ws: Ptr): void;

  // --- bconv.ts ---------------------------------------------------------------
  /** Bytes of bconv2d's workspace. */
  bconv2dWorkspaceBytes(KH: number, KW: number, C: number, OC: number): number;
  /** Binary conv2d. X: the padded packed input from bitpackNHWC(.., padT, padB, padL, padR, 1)
   *  with C real channels; Wp: panels of Wt[KH,KW,C,OC]. OH = (H+padT+padB-KH)/SH+1, OW alike.
   *  padValue 1: padded taps are +1 (Larq pad_values=1); 0: they contribute nothing (exact
   *  correction of the edge pixels). Output pixel (n,oy,ox) at out + (n*outImgPix + oy*outRowPix
   *  + ox) * (4*OC, or 8*ceil(OC/64) for OUT_BITS); outRowPix = OW, outImgPix = OH*OW for a
   *  plain NHWC output, or the next layer's padded-buffer geometry to write straight into it. */
  bconv2d(X: Ptr, N: number, H: number, W: number, C: number,
    padT: number, padB: number, padL: number, padR: number,
    Wp: Ptr, OC: number, KH: number, KW: number, SH: number, SW: number, padValue: number,
    out: Ptr, outRowPix: number, outImgPix: number,
    outMode: number, p1: Ptr, p2: Ptr, accBits: number, accMode: number, path: number, ws: Ptr): void;
  /** Max-pool of ±1 values on bits (AND of the window; cells outside the input are ignored).
   *  X: [N,H,W,CW] words, no border; window of output (oy,ox) starts at (oy*SH-padT, ox*SW-padL).
   *  Output addressing as bconv2d with 8*CW bytes per pixel. */
  bmaxpool2d(X: Ptr, N: number, H: number, W: number, CW: number, KH: number, KW: number,
    SH: number, SW: number, padT: number, padL: number, OH: number, OW: number,
    out: Ptr, outRowPix: number, outImgPix: number): void;

  // --- bserial.ts (2-bit DoReFa, bit-serial AND-popcount) ----------------------
  bserialGemmWorkspaceBytes(M: number, K: number): number;
  /** out[m,n] = transform(D[m,n]), D = 9*sum_k x[m,k]*w[k,n] on the 2-bit grids.
   *  A: M rows of 2*ceil(K/64) words (bitpackNHWC planes 2), row m at A + 8*m*lda;
   *  B: panels with planes 2. Otherwise as bgemm (scalar path only). */
  bserialGemm(M: number, N: number, K: number, A: Ptr, lda: number, B: Ptr, out: Ptr, ldo: number,
    outMode: number, p1: Ptr, p2: Ptr, accBits: number, accMode: number, ws: Ptr): void;
  bserialConv2dWorkspaceBytes(N: number, OH: number, OW: number, KH: number, KW: number, C: number): number;
  /** 2-bit conv2d with zero padding (padded codes are 0 = activation 0). X: bitpackNHWC(.., planes 2)
   *  with its border; Wp: panels with planes 2. Geometry and output as bconv2d, D as bserialGemm. */
  bserialConv2d(X: Ptr, N: number, H: number, W: number, C: number,
    padT: number, padB: number, padL: number, padR: number,
    Wp: Ptr, OC: number, KH: number, KW: number, SH: number, SW: number,
    out: Ptr, outRowPix: number, outImgPix: number,
    outMode: number, p1: Ptr, p2: Ptr, accBits: number, accMode: number, ws: Ptr): void;
}
