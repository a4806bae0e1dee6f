// How a model computes on one simulated chip. Every engine consumes the
// public forward contract (nn/productLayer.ts steps, nn/hooks.ts hook
// points) and must give exactly the numbers of the model's own forward
// (the autograd engine is the definition; tests tie the others to it).
// Why each engine exists is stated in docs/architecture.md:
//   autograd  the layers' own forward with every hook: the reference, and
//             the only engine for perturbations others cannot express;
//   xnor      layer by layer, binary products on packed bits, bit errors
//             and accumulator limits inside the kernels, shared clean work
//             between chips (prefixes, clean dots, clean channel segments);
//   packed    the model compiled to the fused packed inference format once
//             per chip (bit errors baked into the packed weights).
import type { Tensor } from '../tensor/tensor.js';
import type { CallContext } from '../nn/hooks.js';
import type { Model } from '../nn/model.js';

export interface ChipRunner {
  /** Logits of a batch on this chip (no gradient). */
  run(x: Tensor, ctx: CallContext): Tensor;
  /**
   * Optional: layers [from, to) only, x being the input of layer `from`.
   * With firstPerturbed, lets the evaluation share the clean prefix of the
   * forward pass between chips; `shared` holds what the chips of one batch
   * share (see SharedBatch).
   */
  runLayers?(x: Tensor, ctx: CallContext, from: number, to: number, shared?: SharedBatch): Tensor;
  /** Optional: layers before this index compute exactly as the clean model on this chip. */
  firstPerturbed?: number;
  dispose(): void;
  /** Layers that run on packed kernels, for reports. */
  packedLayers?: string[];
}

/** Builds the per-chip forward pass of a model (ctx carries the chip; perturbations are attached). */
export type ChipEngine = (model: Model, ctx: CallContext) => ChipRunner;

/** An engine with its name and the reason it exists (printed in reports, docs/architecture.md). */
export interface EngineEntry {
  readonly name: string;
  readonly reason: string;
  readonly create: ChipEngine;
}

/**
 * What the chips of one Monte-Carlo batch share: the activations every chip
 * receives as the very same tensor (the clean prefix of the batch), and
 * work an engine derived once from them for all chips (clean dots, clean
 * channel segments). The evaluation loop creates one per batch, passes it
 * to the runners and releases it when the batch is done.
 */
export class SharedBatch {
  private readonly inputs = new Set<Tensor>();
  private readonly memos = new Map<Tensor, Map<unknown, { value: unknown; dispose?: () => void }>>();

  /** Declares that every chip of the batch receives exactly `t`. */
  share(t: Tensor): void {
    this.inputs.add(t);
  }

  isShared(t: Tensor): boolean {
    return this.inputs.has(t);
  }

  /** The value derived from shared input `t` under `key`, made once per batch; `dispose` runs at release(). */
  memo<T>(t: Tensor, key: unknown, make: () => T, dispose?: (v: T) => void): T {
    let m = this.memos.get(t);
    if (!m) this.memos.set(t, (m = new Map()));
    const hit = m.get(key);
    if (hit) return hit.value as T;
    const value = make();
    m.set(key, { value, dispose: dispose ? () => dispose(value) : undefined });
    return value;
  }

  /** Frees what memo() made; the batch is over. */
  release(): void {
    for (const m of this.memos.values()) for (const e of m.values()) e.dispose?.();
    this.memos.clear();
    this.inputs.clear();
  }
}
