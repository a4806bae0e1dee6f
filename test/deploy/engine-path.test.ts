// The inference engine's binary GEMM path (tuned per model and batch class,
// src/ops/binary/tune.ts) changes speed only: the logits are bit-equal on
// every forced path and on 'auto', with 1 and 2 threads.
import { describe, it, expect, afterEach } from 'vitest';
import { Rng } from '../../src/tensor/random.js';
import { createModel } from '../../src/nn/models/index.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { setThreads } from '../../src/wasm/threads.js';
import { compile } from '../../src/deploy/index.js';
import { withRuntime } from '../../src/runtime/runtime.js';
import { tunedPaths, CONCRETE_PATHS } from '../../src/ops/binary/tune.js';

afterEach(() => setThreads(1));

describe('inference engine binary path', () => {
  it('same logits on scalar, v128, hybrid, csa and auto; auto caches a valid path', () => {
    const model = createModel('larq-mnist', { seed: 2 });
    const rng = new Rng(4);
    for (const l of model.layers) {
      if (!(l instanceof BatchNormalization)) continue;
      for (let c = 0; c < l.movingMean!.size; c++) {
        l.movingMean!.value.data[c] = (rng.uniform() - 0.5) * 8;
        l.movingVariance!.value.data[c] = rng.uniform() * 20 + 0.05;
        if (l.beta) l.beta.value.data[c] = (rng.uniform() - 0.5) * 2;
      }
    }
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
});
