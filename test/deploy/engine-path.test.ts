// The inference engine's binary GEMM path (tuned per model and batch class,
// src/ops/binary/tune.ts) changes speed only: the logits are bit-equal on
// every forced path and on 'auto', with 1 and 2 threads.
//
// Packed convs with pad_values = 0 run as an implicit GEMM on a zero-bordered
// copy of their input (the plan's F_PADDED records), with the padded taps
// undone per band of border pixels from popcounts precomputed at load.
import { describe, it, expect, afterEach } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { randomizeBatchNorm } from '../helpers/batchNorm.js';
import { createModel } from '../../src/nn/models/index.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { setThreads } from '../../src/wasm/threads.js';
import { compile } from '../../src/deploy/index.js';
import { withRuntime } from '../../src/runtime/runtime.js';
import { tunedPaths, CONCRETE_PATHS } from '../../src/ops/binary/tune.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { images, reference, mismatches } from '../helpers/logits.js';

afterEach(() => setThreads(1));

/** Non-trivial BatchNorm statistics and betas (and, with gammas, negative scales that flip thresholds). */
function randomStatistics(model: { layers: readonly unknown[] }, rng: Rng, gammas: boolean): void {
  for (const l of model.layers) randomizeBatchNorm(l, rng, { meanSpread: 8, varianceScale: 20, varianceFloor: 0.05, gammas });
}

describe('inference engine binary path', () => {
  it('same logits on scalar, v128, hybrid, csa and auto; auto caches a valid path', () => {
    const model = createModel('larq-mnist', { seed: 2 });
    const rng = new Rng(4);
    randomStatistics(model, rng, false);
    const plan = compile(model);
    const x = Float32Array.from({ length: 37 * 784 }, () => Math.floor(rng.uniform() * 256) / 255);
    const want = withRuntime({ binaryPath: 'scalar' }, () => plan.run(x).logits);
    for (const threads of [1, 2]) {
      setThreads(threads);
      for (const binaryPath of [...CONCRETE_PATHS, 'auto'] as const) {
        expect(withRuntime({ binaryPath }, () => plan.run(x).logits), `${binaryPath}, ${threads} threads`).toEqual(want);
        expect(withRuntime({ binaryPath }, () => plan.run(x.subarray(0, 784)).logits)).toEqual(want.subarray(0, 10));
      }
    }
    const tuned = [...tunedPaths()].filter(([k]) => k.startsWith('infer:'));
    expect(tuned.length).toBeGreaterThan(0);
    for (const [, t] of tuned) expect(CONCRETE_PATHS).toContain(t.path);
    plan.dispose();
    model.dispose();
  });

  it('pad_values 0 convs (bits and float outputs, 64 / 70 / 130 channels, stride 2, uneven padding): equal to predict on every path', () => {
    const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', padValues: 0 } as const;
    const model = new Sequential([
      new QuantConv2D({ filters: 64, kernelSize: 3, padding: 'same', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization(),
      // bit output (the BatchNorm and the next sign fold into thresholds), 64 channels: one word per pixel, K = 576
      new QuantConv2D({ filters: 130, kernelSize: 3, padding: 'same', ...bin }),
      new BatchNormalization(),
      // 130 channels: 3 words per pixel, K = 1170 (the carry-save path's range); stride 2 on 9x7: padding 1 on top, 1 at the bottom, 0 right
      new QuantConv2D({ filters: 70, kernelSize: 3, strides: 2, padding: 'same', ...bin }),
      new BatchNormalization(),
      // float output into a float dense layer; 70 channels, a 2x2 kernel: padding at the bottom and right only
      new QuantConv2D({ filters: 12, kernelSize: 2, padding: 'same', ...bin }),
      new BatchNormalization(),
      new Flatten(),
      new Dense({ units: 10 }),
    ], { inputShape: [9, 7, 3], seed: 5 });
    randomStatistics(model, new Rng(6), true);
    const x = images(21, [9, 7, 3], 7);
    const want = reference(model, x);
    const plan = compile(model);
    for (const threads of [1, 2]) {
      setThreads(threads);
      for (const binaryPath of [...CONCRETE_PATHS, 'auto'] as const) {
        expect(mismatches(withRuntime({ binaryPath }, () => plan.run(x).logits), want), `${binaryPath}, ${threads} threads`).toBe(0);
      }
    }
    plan.dispose();
    model.dispose();
  });
});
