// How one simulated chip computes: a ChipEngine builds, for a model with its
// perturbations attached and a call context carrying the chip, the runner
// that evaluates batches (montecarlo.ts drives it).
import type { Tensor } from '../tensor/tensor.js';
import type { CallContext } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';

export interface ChipRunner {
  /** Logits of a batch on this chip (no gradient). */
  run(x: Tensor, ctx: CallContext): Tensor;
  /**
   * Optional: layers [from, to) only, x being the input of layer `from`.
   * With firstPerturbed, lets the evaluation share the clean prefix of the
   * forward pass between chips.
   */
  runLayers?(x: Tensor, ctx: CallContext, from: number, to: number): Tensor;
  /** Optional: layers before this index compute exactly as the clean model on this chip. */
  firstPerturbed?: number;
  dispose(): void;
  /** Layers that run on packed kernels, for reports. */
  packedLayers?: string[];
}

/** Builds the per-chip forward pass of a model (ctx carries the chip; perturbations are attached). */
export type ChipEngine = (model: Sequential, ctx: CallContext) => ChipRunner;
