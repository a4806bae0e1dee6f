// exportOnnx against ONNX Runtime (onnxruntime-node, native CPU): the logits
// ORT computes from the exported graph equal model.predict's within 1e-4
// relative (the order of float additions differs), for float twins and for
// binarized models exported as float Sign + Conv/MatMul operators.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { randomizeBatchNorm } from '../helpers/batchNorm.js';
import { Sequential } from '../../src/nn/sequential.js';
import type { Model } from '../../src/nn/model.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { createModel } from '../../src/nn/models/index.js';
import { exportOnnx } from '../../src/deploy/onnx/export.js';
import { CompileError } from '../../src/errors.js';
import { saveTrainingState } from '../../src/nn/checkpoint.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = { inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' } as const;

function randomize(model: Model, seed: number): void {
  const rng = new Rng(seed);
  for (const l of model.layers) {
    randomizeBatchNorm(l, rng, { meanSpread: 4, varianceScale: 10, varianceFloor: 0.1, gammas: true });
    const bias = (l as Conv2D | Dense).bias;
    if (bias) for (let c = 0; c < bias.size; c++) bias.value.data[c] = (rng.uniform() - 0.5) * 3;
  }
}

/** Pixels on the 8-bit grid (k/255), like normalised MNIST. */
function pixels(n: number, per: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * per }, () => Math.floor(rng.uniform() * 256) / 255);
}

async function ortLogits(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

function relErr(a: Float32Array, ref: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(a[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return d / m;
}

async function check(model: Model, n: number, seed: number): Promise<void> {
  const shape = model.inputShape!;
  const per = shape.reduce((a, b) => a * b, 1);
  const x = pixels(n, per, seed);
  const ref = tidy(() => model.predict(Tensor.from(x, [n, ...shape]), { logits: true }).data.slice());
  const got = await ortLogits(exportOnnx(model), x, [n, ...shape]);
  expect(got.length).toBe(ref.length);
  expect(relErr(got, ref)).toBeLessThan(1e-4);
}

describe('exportOnnx on onnxruntime-node', () => {
  it('larq-mnist float twin', async () => {
    const m = createModel('larq-mnist', { seed: 3, float: true });
    randomize(m, 4);
    await check(m, 8, 5);
  });

  it('larq-mnist binarized (Sign + Conv/MatMul of ±1 kernels)', async () => {
    const m = createModel('larq-mnist', { seed: 6 });
    randomize(m, 7);
    await check(m, 8, 8);
  });

  it('awkward shapes: strides, same padding with pad value 1, biases, hard_tanh, odd channels', async () => {
    const m = new Sequential([
      new Conv2D({ filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same', useBias: true, activation: 'relu' }),
      new BatchNormalization(),
      new QuantConv2D({ filters: 7, kernelSize: 3, padding: 'same', padValues: 1, useBias: true, ...bin }),
      new MaxPool2D({ poolSize: 2, strides: 1, padding: 'same' }),
      new BatchNormalization({ scale: false }),
      new Activation('hard_tanh'),
      new QuantConv2D({ filters: 6, kernelSize: 2, strides: 2, ...bin }),
      new BatchNormalization(),
      new Flatten(),
      new QuantDense({ units: 9, useBias: true, ...bin }),
      new BatchNormalization(),
      new Dense({ units: 4, useBias: true }),
      new Activation('softmax'),
    ], { inputShape: [9, 7, 3], seed: 11 });
    randomize(m, 12);
    await check(m, 5, 13);
  });

  it('refuses what it cannot express', () => {
    const m = new Sequential([new QuantSeparableConv2D({ filters: 2, kernelSize: 3, ...bin }), new Flatten(), new Dense({ units: 2 })],
      { inputShape: [5, 5, 2], seed: 1 });
    expect(() => exportOnnx(m)).toThrow(CompileError);
  });

  it('graphs: birealnet-small, and quicknet and birealnet18 at 32x32 (adds, average pools, depthwise blur pools)', async () => {
    const small = createModel('birealnet-small', { seed: 2 });
    randomize(small, 3);
    await check(small, 4, 4);
    for (const name of ['quicknet', 'birealnet18'] as const) {
      const m = createModel(name, { seed: 5, inputShape: [32, 32, 3], numClasses: 10 });
      randomize(m, 6);
      await check(m, 2, 7);
    }
  }, 120_000);
});

describe('xnorkit export --format onnx', () => {
  it('writes the graph ORT runs with the model\'s logits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xnorkit-onnx-'));
    const model = createModel('larq-mnist', { seed: 5 });
    randomize(model, 9);
    writeFileSync(join(dir, 'state.xnks'), saveTrainingState(model, null));
    const root = join(import.meta.dirname, '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'export', '--model-file', join(dir, 'state.xnks'),
      '--format', 'onnx', '--json'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; format: string };
    expect(out).toMatchObject({ file: join(dir, 'state.onnx'), format: 'onnx' });
    const x = pixels(4, 784, 10);
    const ref = tidy(() => model.predict(Tensor.from(x, [4, 28, 28, 1]), { logits: true }).data.slice());
    expect(relErr(await ortLogits(readFileSync(out.file), x, [4, 28, 28, 1]), ref)).toBeLessThan(1e-4);
    model.dispose();
  });
});
