// larq_zoo presets (issue 12). Their Larq summary totals are checked against
// the counts worked out by hand from larq_zoo's source with Larq's rules
// (docs/larq-semantics.md §4: BN counts its 2 moving statistics, MACs =
// weights x output pixels at max(input, weight) bits), and their Keras
// parameter counts (every variable) against the numbers larq_zoo publishes
// in each model's docstring.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { createModel, type PresetName } from '../../src/nn/models/index.js';
import { summary } from '../../src/nn/summary.js';
import { runSummary } from '../../src/cli/commands/summary.js';
import { randomTensor } from '../helpers/gradcheck.js';

const conv = (k: number, cin: number, cout: number) => k * k * cin * cout;

describe('larq_zoo presets', () => {
  it('birealnet18: params and MACs by bits equal the hand count from larq_zoo', () => {
    const m = createModel('birealnet18');
    const t = summary(m).totals;
    const stages = [64, 128, 256, 512];
    const px = [56 * 56, 28 * 28, 14 * 14, 7 * 7];
    let bin = 0, binMacs = 0, shortcut = 0, shortcutMacs = 0;
    stages.forEach((c, s) => {
      const first = s === 0 ? conv(3, 64, 64) : conv(3, c / 2, c);
      bin += first + 3 * conv(3, c, c);
      binMacs += (first + 3 * conv(3, c, c)) * px[s];
      if (s > 0) { shortcut += c / 2 * c; shortcutMacs += (c / 2) * c * px[s]; }
    });
    const bnChannels = 64 + 4 * (64 + 128 + 256 + 512) + (128 + 256 + 512);
    const stem = conv(7, 3, 64);
    expect(t.params_by_bits).toEqual({ 1: bin, 32: stem + 2 * bnChannels + shortcut + 512 * 1000 + 1000 });
    expect(t.macs_by_bits).toEqual({ 1: binMacs, 32: stem * 112 * 112 + shortcutMacs + 512 * 1000 });
    expect(t.params_by_bits).toEqual({ 1: 10985472, 32: 704040 });
    expect(t.macs_by_bits).toEqual({ 1: 1676279808, 32: 137793536 });
    expect(t.binarized_ratio).toBeCloseTo(1676279808 / (1676279808 + 137793536), 12);
    expect(m.countParams()).toBe(11699112); // larq_zoo's docstring: 11 699 112
    m.dispose();
  });

  it('binary-resnet-e18: the same convolutions as Bi-Real Net with a BN after the stem pool', () => {
    const s = runSummaryQuiet('binary-resnet-e18');
    expect(s.totals.params_by_bits).toEqual({ 1: 10985472, 32: 704040 + 2 * 64 });
    expect(s.totals.macs_by_bits).toEqual({ 1: 1676279808, 32: 137793536 });
    expect(s.totals.memory_kib).toBe((10985472 + 32 * (704040 + 128)) / 8192);
  });

  it('quicknet: params and MACs by bits equal the hand count from larq_zoo', () => {
    const m = createModel('quicknet');
    const t = summary(m).totals;
    const f = [64, 128, 256, 512];
    const px = [56 * 56, 28 * 28, 14 * 14, 7 * 7];
    const bin = f.reduce((n, c) => n + 4 * conv(3, c, c), 0);
    const binMacs = f.reduce((n, c, s) => n + 4 * conv(3, c, c) * px[s], 0);
    const bnChannels = 16 + 16 + 64 + (128 + 256 + 512) + 4 * (64 + 128 + 256 + 512);
    const stem = conv(3, 3, 16) + 9 * 16 + 16 * 64;
    const stemMacs = conv(3, 3, 16) * 112 * 112 + 9 * 16 * 56 * 56 + 16 * 64 * 56 * 56;
    const trans = [1, 2, 3].reduce((n, s) => n + 9 * f[s - 1] + f[s - 1] * f[s], 0);
    const transMacs = [1, 2, 3].reduce((n, s) => n + (9 * f[s - 1] + f[s - 1] * f[s]) * px[s], 0);
    expect(t.params_by_bits).toEqual({ 1: bin, 32: stem + trans + 2 * bnChannels + 513000 });
    expect(t.macs_by_bits).toEqual({ 1: binMacs, 32: stemMacs + transMacs + 512000 });
    // The blur-pool kernels are frozen: non-trainable with the BN statistics.
    expect(t.non_trainable_params).toBe(2 * bnChannels + 9 * (64 + 128 + 256));
    m.dispose();
  });

  it("Keras parameter counts equal larq_zoo's published ones", () => {
    const published: [PresetName, number][] = [
      ['binary-resnet-e18', 11699368], ['binary-densenet28', 5150504], ['xnornet', 62396768], ['dorefanet', 62403912], ['binary-alexnet', 61859192],
    ];
    for (const [name, n] of published) {
      const m = createModel(name);
      expect(m.countParams(), name).toBe(n);
      m.dispose();
    }
  });

  it('small variants (--input-shape, --classes) build and run forward; predict rows sum to 1', () => {
    for (const name of ['quicknet', 'birealnet18', 'binary-resnet-e18', 'binary-densenet28', 'birealnet-small'] as const) {
      const m = createModel(name, { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
      const x = randomTensor([2, 32, 32, 3], new Rng(2));
      const p = m.predict(x).toArray();
      expect(p.length, name).toBe(20);
      expect(p.slice(0, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      x.dispose();
      m.dispose();
    }
    expect(() => createModel('quicknet', { float: true })).toThrow(/no float twin/);
    void Tensor;
  });
});

function runSummaryQuiet(model: string) {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as never;
  try {
    return runSummary({ model, float: false, ternary: false, json: true });
  } finally {
    process.stdout.write = write;
  }
}
