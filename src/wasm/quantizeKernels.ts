// The typed surface of assembly/quantize.ts (quantizer forward/backward kernels).
type Ptr = number;

export interface QuantizeKernels {
  /** Y = x >= 0 ? 1 : -1 (Larq's sign). */
  quantSign(X: Ptr, n: number, Y: Ptr): void;
  /** dX = |x| <= clip ? dY : 0. */
  quantClipGrad(X: Ptr, dY: Ptr, n: number, clip: number, dX: Ptr): void;
  /** dX = lo <= x <= hi ? dY : 0. */
  quantRangeGrad(X: Ptr, dY: Ptr, n: number, lo: number, hi: number, dX: Ptr): void;
  /** Y = roundHalfEven(clamp(x, 0, 1)·levels)/levels. */
  quantDorefaActivations(X: Ptr, n: number, levels: number, Y: Ptr): void;
  /** DoReFa weights: T = tanh(X); returns max |T|. */
  quantTanhAbsMax(X: Ptr, n: number, T: Ptr): number;
  /** DoReFa weights: Y = 2·roundHalfEven((T/twoMax + 1/2)·levels)/levels − 1 (T/twoMax = 0 when twoMax is 0). */
  quantDorefaWeights(T: Ptr, n: number, twoMax: number, levels: number, Y: Ptr): void;
  /** DoReFa weights gradient: dX = (2·dY/twoMax)·(1 − T²), 0 when twoMax is 0. */
  quantDorefaWeightsGrad(T: Ptr, dY: Ptr, n: number, twoMax: number, dX: Ptr): void;
}
