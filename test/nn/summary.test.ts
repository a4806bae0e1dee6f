// summary() against Larq: the published tutorial summaries (byte for byte),
// the hand-computed models of docs/larq-semantics.md §6.1–6.3 (Larq's own
// snapshot test included), the preset variants of §6.4, and the Python
// number formatting rules (§4.5).
import { describe, it, expect, vi } from 'vitest';
import { Sequential } from '../../src/nn/sequential.js';
import type { Model } from '../../src/nn/model.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { SteTern } from '../../src/quantizers/steTern.js';
import { createModel, createModelByName } from '../../src/nn/models/index.js';
import { summary, type SummaryTotals } from '../../src/nn/summary.js';
import { pyFixed, pyGeneral, readableNumber, readableMemory } from '../../src/nn/summaryFormat.js';
import { runSummary } from '../../src/cli/commands/summary.js';

// Tables copied from docs/larq-semantics.md (§5.1 and §5.2 are Larq's published outputs).
const LARQ_MNIST_PUBLISHED = `
+sequential stats------------------------------------------------------------------------------------------+
| Layer                  Input prec.           Outputs  # 1-bit  # 32-bit  Memory  1-bit MACs  32-bit MACs |
|                              (bit)                        x 1       x 1    (kB)                          |
+----------------------------------------------------------------------------------------------------------+
| quant_conv2d                     -  (-1, 26, 26, 32)      288         0    0.04           0       194688 |
| max_pooling2d                    -  (-1, 13, 13, 32)        0         0       0           0            0 |
| batch_normalization              -  (-1, 13, 13, 32)        0        64    0.25           0            0 |
| quant_conv2d_1                   1  (-1, 11, 11, 64)    18432         0    2.25     2230272            0 |
| max_pooling2d_1                  -    (-1, 5, 5, 64)        0         0       0           0            0 |
| batch_normalization_1            -    (-1, 5, 5, 64)        0       128    0.50           0            0 |
| quant_conv2d_2                   1    (-1, 3, 3, 64)    36864         0    4.50      331776            0 |
| batch_normalization_2            -    (-1, 3, 3, 64)        0       128    0.50           0            0 |
| flatten                          -         (-1, 576)        0         0       0           0            0 |
| quant_dense                      1          (-1, 64)    36864         0    4.50       36864            0 |
| batch_normalization_3            -          (-1, 64)        0       128    0.50           0            0 |
| quant_dense_1                    1          (-1, 10)      640         0    0.08         640            0 |
| batch_normalization_4            -          (-1, 10)        0        20    0.08           0            0 |
| activation                       -          (-1, 10)        0         0       0           ?            ? |
+----------------------------------------------------------------------------------------------------------+
| Total                                                   93088       468   13.19     2599552       194688 |
+----------------------------------------------------------------------------------------------------------+
+sequential summary----------------------------+
| Total params                      93.6 k     |
| Trainable params                  93.1 k     |
| Non-trainable params              468        |
| Model size                        13.19 KiB  |
| Model size (8-bit FP weights)     11.82 KiB  |
| Float-32 Equivalent               365.45 KiB |
| Compression Ratio of Memory       0.04       |
| Number of MACs                    2.79 M     |
| Ratio of MACs that are binarized  0.9303     |
+----------------------------------------------+`.slice(1);

const BINARYNET_PUBLISHED = `
+sequential stats---------------------------------------------------------------------------------------------+
| Layer                  Input prec.            Outputs   # 1-bit  # 32-bit   Memory  1-bit MACs  32-bit MACs |
|                              (bit)                          x 1       x 1     (kB)                          |
+-------------------------------------------------------------------------------------------------------------+
| quant_conv2d                     -  (-1, 30, 30, 128)      3456         0     0.42           0      3110400 |
| batch_normalization              -  (-1, 30, 30, 128)         0       256     1.00           0            0 |
| quant_conv2d_1                   1  (-1, 30, 30, 128)    147456         0    18.00   132710400            0 |
| max_pooling2d                    -  (-1, 15, 15, 128)         0         0        0           0            0 |
| batch_normalization_1            -  (-1, 15, 15, 128)         0       256     1.00           0            0 |
| quant_conv2d_2                   1  (-1, 15, 15, 256)    294912         0    36.00    66355200            0 |
| batch_normalization_2            -  (-1, 15, 15, 256)         0       512     2.00           0            0 |
| quant_conv2d_3                   1  (-1, 15, 15, 256)    589824         0    72.00   132710400            0 |
| max_pooling2d_1                  -    (-1, 7, 7, 256)         0         0        0           0            0 |
| batch_normalization_3            -    (-1, 7, 7, 256)         0       512     2.00           0            0 |
| quant_conv2d_4                   1    (-1, 7, 7, 512)   1179648         0   144.00    57802752            0 |
| batch_normalization_4            -    (-1, 7, 7, 512)         0      1024     4.00           0            0 |
| quant_conv2d_5                   1    (-1, 7, 7, 512)   2359296         0   288.00   115605504            0 |
| max_pooling2d_2                  -    (-1, 3, 3, 512)         0         0        0           0            0 |
| batch_normalization_5            -    (-1, 3, 3, 512)         0      1024     4.00           0            0 |
| flatten                          -         (-1, 4608)         0         0        0           0            0 |
| quant_dense                      1         (-1, 1024)   4718592         0   576.00     4718592            0 |
| batch_normalization_6            -         (-1, 1024)         0      2048     8.00           0            0 |
| quant_dense_1                    1         (-1, 1024)   1048576         0   128.00     1048576            0 |
| batch_normalization_7            -         (-1, 1024)         0      2048     8.00           0            0 |
| quant_dense_2                    1           (-1, 10)     10240         0     1.25       10240            0 |
| batch_normalization_8            -           (-1, 10)         0        20     0.08           0            0 |
| activation                       -           (-1, 10)         0         0        0           ?            ? |
+-------------------------------------------------------------------------------------------------------------+
| Total                                                  10352000      7700  1293.75   510961664      3110400 |
+-------------------------------------------------------------------------------------------------------------+
+sequential summary---------------------------+
| Total params                      10.4 M    |
| Trainable params                  10.4 M    |
| Non-trainable params              7.7 k     |
| Model size                        1.26 MiB  |
| Model size (8-bit FP weights)     1.24 MiB  |
| Float-32 Equivalent               39.52 MiB |
| Compression Ratio of Memory       0.03      |
| Number of MACs                    514 M     |
| Ratio of MACs that are binarized  0.9939    |
+---------------------------------------------+`.slice(1);

const T1_TABLES = `
+sequential stats-------------------------------------------------------------------------------+
| Layer                Input prec.  Outputs  # 1-bit  # 32-bit  Memory  1-bit MACs  32-bit MACs |
|                            (bit)               x 1       x 1    (kB)                          |
+-----------------------------------------------------------------------------------------------+
| quant_dense                    -  (-1, 4)       12         4    0.02           0           12 |
| batch_normalization            -  (-1, 4)        0         8    0.03           0            0 |
| quant_dense_1                  1  (-1, 2)        8         0    0.00           8            0 |
+-----------------------------------------------------------------------------------------------+
| Total                                           20        12    0.05           8           12 |
+-----------------------------------------------------------------------------------------------+
+sequential summary--------------------------+
| Total params                      32       |
| Trainable params                  24       |
| Non-trainable params              8        |
| Model size                        50.50 B  |
| Model size (8-bit FP weights)     14.50 B  |
| Float-32 Equivalent               128.00 B |
| Compression Ratio of Memory       0.39     |
| Number of MACs                    20       |
| Ratio of MACs that are binarized  0.4000   |
+--------------------------------------------+`.slice(1);

const T2_TABLES = `
+sequential stats-----------------------------------------------------------------------------------------------+
| Layer                Input prec.         Outputs  # 1-bit  # 2-bit  # 32-bit  Memory  2-bit MACs  32-bit MACs |
|                            (bit)                      x 1      x 1       x 1    (kB)                          |
+---------------------------------------------------------------------------------------------------------------+
| quant_conv2d                   -  (-1, 4, 4, 16)      288        0         0    0.04           0         4608 |
| batch_normalization            -  (-1, 4, 4, 16)        0        0        32    0.12           0            0 |
| flatten                        -       (-1, 256)        0        0         0       0           0            0 |
| quant_dense                    2         (-1, 3)        0      768         0    0.19         768            0 |
| activation                     -         (-1, 3)        0        0         0       0           ?            ? |
+---------------------------------------------------------------------------------------------------------------+
| Total                                                 288      768        32    0.35         768         4608 |
+---------------------------------------------------------------------------------------------------------------+
+sequential summary---------------------------+
| Total params                       1.09 k   |
| Trainable params                   1.06 k   |
| Non-trainable params               32       |
| Model size                         356.00 B |
| Model size (8-bit FP weights)      260.00 B |
| Float-32 Equivalent                4.25 KiB |
| Compression Ratio of Memory        0.08     |
| Number of MACs                     5.38 k   |
| Ratio of MACs that are ternarized  0.1429   |
+---------------------------------------------+`.slice(1);

/** label -> value of the "<name> summary" table. */
function totalsRows(text: string): Record<string, string> {
  const part = text.slice(text.indexOf('summary-'));
  const rows: Record<string, string> = {};
  for (const line of part.split('\n')) {
    const m = /^\| (.+?)\s{2,}(\S.*?)\s*\|$/.exec(line);
    if (m) rows[m[1]] = m[2];
  }
  return rows;
}

function quiet<T>(f: () => T): T {
  const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    return f();
  } finally {
    spy.mockRestore();
  }
}

function preset(name: string, opts: Record<string, unknown> = {}): Model {
  const m = quiet(() => createModelByName(name, opts));
  m.name = 'sequential';
  return m;
}

function expectTotals(t: SummaryTotals, want: Partial<SummaryTotals>): void {
  for (const [k, v] of Object.entries(want)) expect(t[k as keyof SummaryTotals], k).toEqual(v);
}

describe('hand-computed models', () => {
  it('T1: two Dense layers — totals and the exact tables', () => {
    const m = new Sequential([
      new QuantDense({ units: 4, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip' }),
      new BatchNormalization({ scale: false }),
      new QuantDense({ units: 2, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
    ], { inputShape: [3] });
    const s = summary(m);
    expectTotals(s.totals, {
      total_params: 32, trainable_params: 24, non_trainable_params: 8, params_by_bits: { 1: 20, 32: 12 },
      memory_kib: 0.04931640625, float32_equivalent_kib: 0.125, compression_ratio: 0.39453125, macs: 20,
      macs_by_bits: { 1: 8, 32: 12 }, binarized_ratio: 0.4, ternarized_ratio: 0, memory_8bit_fp_kib: 116 / 8192,
    });
    expect(s.layers.map((l) => l.macs)).toEqual([12, 0, 8]);
    expect(s.layers[2].input_precision).toBe(1);
    expect(s.layers[0].input_precision).toBeNull();
    expect(s.text).toBe(T1_TABLES);
    m.dispose();
  });

  it('T2: conv + ternary dense — half-even ties, "?" cells, no binarized row', () => {
    const m = new Sequential([
      new QuantConv2D({ filters: 16, kernelSize: 3, kernelQuantizer: 'ste_sign', kernelConstraint: 'weight_clip', useBias: false }),
      new BatchNormalization(),
      new Flatten(),
      new QuantDense({ units: 3, inputQuantizer: 'ste_tern', kernelQuantizer: 'ste_tern', useBias: false }),
      new Activation('softmax'),
    ], { inputShape: [6, 6, 2] });
    const s = summary(m);
    expectTotals(s.totals, {
      total_params: 1088, trainable_params: 1056, non_trainable_params: 32, params_by_bits: { 1: 288, 2: 768, 32: 32 },
      memory_kib: 2848 / 8192, memory_8bit_fp_kib: 2080 / 8192, float32_equivalent_kib: 4.25, macs: 5376,
      macs_by_bits: { 2: 768, 32: 4608 }, binarized_ratio: 0, ternarized_ratio: 768 / 5376,
    });
    expect(s.layers[4].macs).toBeNull();
    expect(s.text).toBe(T2_TABLES);
    m.dispose();
  });

  it("T3: Larq's own summary snapshot (depthwise, separable, frozen Dense)", () => {
    const m = quiet(() => new Sequential([
      new QuantConv2D({ filters: 32, kernelSize: 3, kernelQuantizer: 'ste_sign', padding: 'same' }),
      new MaxPool2D({ poolSize: 2 }),
      new QuantDepthwiseConv2D({ kernelSize: 3, strides: 3, inputQuantizer: new SteTern(), depthwiseQuantizer: new SteTern(), padding: 'same', padValues: 1, useBias: false }),
      new BatchNormalization({ scale: false }),
      new QuantSeparableConv2D({ filters: 32, kernelSize: 3, inputQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign', pointwiseQuantizer: 'ste_sign', padding: 'same' }),
      new Flatten(),
      new Dense({ units: 10 }),
    ], { inputShape: [64, 64, 1] }));
    for (const v of m.layers[6].variables) v.trainable = false;
    const s = summary(m);
    expectTotals(s.totals, {
      params_by_bits: { 1: 1600, 2: 288, 32: 38858 }, trainable_params: 1952, non_trainable_params: 38794,
      macs_by_bits: { 1: 158752, 2: 34848, 32: 1218368 },
    });
    expect(totalsRows(s.text)).toEqual({
      'Total params': '40.7 k', 'Trainable params': '1.95 k', 'Non-trainable params': '38.8 k',
      'Model size': '152.05 KiB', 'Model size (8-bit FP weights)': '38.21 KiB', 'Float-32 Equivalent': '159.16 KiB',
      'Compression Ratio of Memory': '0.96', 'Number of MACs': '1.41 M',
      'Ratio of MACs that are binarized': '0.1124', 'Ratio of MACs that are ternarized': '0.0247',
    });
    m.dispose();
  });

  it('refuses a model that is not built', () => {
    expect(() => summary(new Sequential([new Dense({ units: 2 })]))).toThrow(/not built/);
  });
});

describe('presets against Larq', () => {
  it("larq-mnist prints Larq's published summary byte for byte", () => {
    const m = preset('larq-mnist');
    const s = summary(m);
    expect(s.text).toBe(LARQ_MNIST_PUBLISHED);
    expectTotals(s.totals, {
      total_params: 93556, trainable_params: 93088, non_trainable_params: 468, params_by_bits: { 1: 93088, 32: 468 },
      memory_kib: 13.19140625, memory_8bit_fp_kib: 11.8203125, float32_equivalent_kib: 365.453125,
      compression_ratio: 108064 / 2993792, macs: 2794240, macs_by_bits: { 1: 2599552, 32: 194688 },
      binarized_ratio: 2599552 / 2794240,
    });
    m.dispose();
  });

  it("binarynet-cifar10 prints Larq's published summary byte for byte", () => {
    const m = preset('binarynet-cifar10');
    const s = summary(m);
    expect(s.text).toBe(BINARYNET_PUBLISHED);
    expectTotals(s.totals, {
      total_params: 10359700, trainable_params: 10352000, non_trainable_params: 7700,
      params_by_bits: { 1: 10352000, 32: 7700 }, memory_kib: 1293.75, macs: 514072064,
      macs_by_bits: { 1: 510961664, 32: 3110400 },
    });
    m.dispose();
  });

  const variants: [string, Record<string, unknown>, Record<string, number>, Record<string, number>, Record<string, string>][] = [
    ['larq-mnist', { float: true }, { 32: 93556 }, { 32: 2794240 },
      { 'Model size': '365.45 KiB', 'Model size (8-bit FP weights)': '91.36 KiB', 'Compression Ratio of Memory': '1.00' }],
    ['larq-mnist', { bits: 4 }, { 4: 93088, 32: 468 }, { 4: 2599552, 32: 194688 },
      { 'Model size': '47.28 KiB', 'Model size (8-bit FP weights)': '45.91 KiB', 'Compression Ratio of Memory': '0.13' }],
    ['larq-mnist', { ternary: true }, { 2: 93088, 32: 468 }, { 2: 2599552, 32: 194688 },
      { 'Model size': '24.55 KiB', 'Model size (8-bit FP weights)': '23.18 KiB', 'Compression Ratio of Memory': '0.07', 'Ratio of MACs that are ternarized': '0.9303' }],
    ['binarynet-cifar10', { float: true }, { 32: 10359700 }, { 32: 514072064 },
      { 'Model size': '39.52 MiB', 'Model size (8-bit FP weights)': '9.88 MiB', 'Compression Ratio of Memory': '1.00' }],
  ];
  for (const [name, opts, params, macs, rows] of variants) {
    it(`${name} ${JSON.stringify(opts)} (§6.4)`, () => {
      const m = preset(name, opts);
      const s = summary(m);
      expect(s.totals.params_by_bits).toEqual(params);
      expect(s.totals.macs_by_bits).toEqual(macs);
      const got = totalsRows(s.text);
      for (const [k, v] of Object.entries(rows)) expect(got[k], k).toBe(v);
      expect('Ratio of MACs that are binarized' in got).toBe(false);
      m.dispose();
    });
  }

  it('vgg8 counts 8 weight layers, binarized after the first', () => {
    const m = preset('vgg8');
    const s = summary(m);
    const macLayers = s.layers.filter((l) => l.type.startsWith('quant_'));
    expect(macLayers.length).toBe(8);
    expect(macLayers[0].input_precision).toBeNull();
    expect(macLayers.slice(1).every((l) => l.input_precision === 1)).toBe(true);
    expect(Object.keys(s.totals.params_by_bits)).toEqual(['1', '32']);
    m.dispose();
  });
});

describe('presets: options and the summary command', () => {
  it('quantizer options pick the quantizers; contradictory options are usage errors', () => {
    const m = preset('larq-mnist', { quantizer: 'approx_sign' });
    const l = m.layers[3] as QuantConv2D;
    expect([l.inputQuantizer!.className, l.kernelQuantizer!.className]).toEqual(['ApproxSign', 'ApproxSign']);
    expect((m.layers[0] as QuantConv2D).inputQuantizer).toBeNull();
    m.dispose();
    const t = preset('vgg8', { ternary: true, inputShape: [32, 32, 3] });
    expect((t.layers[2] as QuantConv2D).padValues).toBe(0);
    expect(summary(t).totals.macs_by_bits).toHaveProperty('2');
    t.dispose();
    const b = preset('vgg8');
    expect((b.layers[2] as QuantConv2D).padValues).toBe(1);
    b.dispose();
    expect(() => createModel('larq-mnist', { float: true, bits: 4 })).toThrow(/--float/);
    expect(() => createModel('larq-mnist', { bits: 4, ternary: true })).toThrow(/one of/);
    expect(() => createModel('larq-mnist', { quantizer: 'dorefa' })).toThrow(/unknown quantizer/);
    expect(() => createModel('larq-mnist', { bits: 0 })).toThrow(/--bits/);
    expect(() => createModelByName('resnet')).toThrow(/unknown model/);
  });

  it('`xnorkit summary --json` prints { layers, totals }', () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      runSummary({ model: 'larq-mnist', float: false, ternary: false, json: true });
    } finally {
      spy.mockRestore();
    }
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed)).toEqual(['layers', 'totals']);
    expect(parsed.layers).toHaveLength(14);
    expect(parsed.totals).toMatchObject({ total_params: 93556, params_by_bits: { 1: 93088, 32: 468 }, macs: 2794240, binarized_ratio: 2599552 / 2794240 });
  });
});

describe('Python formatting (§4.5)', () => {
  it('readable numbers', () => {
    const cases: [number, string][] = [
      [0, '0'], [7, '7'], [468, '468'], [1000, '1 k'], [1050, '1.05 k'], [1100, '1.1 k'], [93556, '93.6 k'],
      [999499, '999 k'], [999500, '1 M'], [2794240, '2.79 M'], [10352000, '10.4 M'], [514072064, '514 M'],
      [1e16, '1.00E+16'], [1225, '1.22 k'], [1235, '1.24 k'], [93450, '93.4 k'], [7700, '7.7 k'],
    ];
    for (const [n, s] of cases) expect(readableNumber(n), String(n)).toBe(s);
  });

  it('readable memory with thousands separators, unit chosen before rounding', () => {
    const cases: [number, string][] = [
      [0, '0.00 B'], [404, '50.50 B'], [8184, '1,023.00 B'], [8192, '1.00 KiB'], [8192000, '1,000.00 KiB'],
      [1, '0.12 B'], [1023.999 * 2 ** 20 * 8, '1,024.00 MiB'],
    ];
    for (const [bits, s] of cases) expect(readableMemory(bits), String(bits)).toBe(s);
  });

  it('%.2f / %.4f / %.3g break exact ties to even', () => {
    expect([0.125, 0.375, 0.625, 0.875].map((x) => pyFixed(x, 2))).toEqual(['0.12', '0.38', '0.62', '0.88']);
    expect(pyFixed(1 / 32, 4)).toBe('0.0312');
    expect(pyFixed(0.1 + 0.2, 2)).toBe('0.30');
    expect(pyFixed(2.675, 2)).toBe('2.67'); // 2.675 is below the tie in binary
    expect(pyGeneral(0.0001234, 3)).toBe('0.000123');
    expect(pyGeneral(0.00001234, 3)).toBe('1.23e-05');
    expect(pyGeneral(1234567, 3)).toBe('1.23e+06');
    expect(pyGeneral(100, 3)).toBe('100');
  });
});
