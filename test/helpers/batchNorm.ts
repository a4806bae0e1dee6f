// Random BatchNorm statistics for tests whose models would otherwise keep
// the identity initialisation (mean 0, variance 1), under which thresholds,
// flips and pool decisions are all alike.
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import type { Rng } from '../../src/tensor/random.js';

export interface BatchNormRanges {
  /** moving means uniform in ±meanSpread/2 */
  meanSpread: number;
  /** moving variances uniform in [varianceFloor, varianceFloor + varianceScale) */
  varianceScale: number;
  varianceFloor: number;
  /** also draw gammas in [-1.05, 1.95) (negative scales flip thresholds); false keeps them */
  gammas: boolean;
}

/**
 * Per channel, in this order: moving mean, moving variance, beta (if the
 * layer has one), gamma (if asked and the layer has one). Other layers are
 * left alone and draw nothing, so callers may interleave their own draws.
 */
export function randomizeBatchNorm(layer: unknown, rng: Rng, r: BatchNormRanges): void {
  if (!(layer instanceof BatchNormalization)) return;
  for (let c = 0; c < layer.movingMean!.size; c++) {
    layer.movingMean!.value.data[c] = (rng.uniform() - 0.5) * r.meanSpread;
    layer.movingVariance!.value.data[c] = rng.uniform() * r.varianceScale + r.varianceFloor;
    if (layer.beta) layer.beta.value.data[c] = (rng.uniform() - 0.5) * 2;
    if (r.gammas && layer.gamma) layer.gamma.value.data[c] = (rng.uniform() - 0.35) * 3;
  }
}
