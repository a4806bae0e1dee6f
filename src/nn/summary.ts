// summary(model): Larq's lq.models.summary — parameters per bit-width, memory,
// MACs per precision — with Larq's counting rules, so that a model built in
// both tools gives the same numbers (docs/larq-semantics.md §4):
// - a weight's bit-width is its variable's precision (the kernel quantizer's), else 32;
// - BatchNormalization counts only moving_mean and moving_variance (beta and
//   gamma are taken as folded into them), all 32-bit and non-trainable;
// - only conv/dense layers have MACs: count × output pixels per non-bias
//   weight, at precision max(input quantizer precision or 32, weight bits);
// - layers Larq cannot count (activations, dropout, ...) show "?" and add 0.
import type { Layer } from './layer.js';
import type { Variable } from './variable.js';
import { ProductLayer } from './productLayer.js';
import { pyFixed, readableNumber, readableMemory, asciiTable } from './summaryFormat.js';

export interface LayerSummary {
  name: string;
  /** Keras snake_case class name. */
  type: string;
  /** Precision of the input quantizer; null without one. */
  input_precision: number | null;
  /** Output shape with the batch axis as -1. */
  output_shape: number[];
  params: number;
  trainable_params: number;
  non_trainable_params: number;
  params_by_bits: Record<string, number>;
  memory_bits: number;
  memory_kib: number;
  /** null where Larq prints "?" (layers it does not count). */
  macs: number | null;
  macs_by_bits: Record<string, number> | null;
}

export interface SummaryTotals {
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
  params_by_bits: Record<string, number>;
  memory_bits: number;
  memory_kib: number;
  /** "Model size (8-bit FP weights)": every weight wider than 8 bits counted as 8. */
  memory_8bit_fp_kib: number;
  float32_equivalent_kib: number;
  /** memory / float-32 equivalent (Larq's current meaning, <= 1). */
  compression_ratio: number;
  macs: number;
  macs_by_bits: Record<string, number>;
  binarized_ratio: number;
  ternarized_ratio: number;
}

export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totals: SummaryTotals;
  /** The two tables as Larq prints them. */
  text: string;
}

/** What summary() needs of a model (Sequential has it). */
export interface SummarizableModel {
  name: string;
  layers: Layer[];
  readonly built: boolean;
}

const COUNTED_WITHOUT_MACS = new Set(['flatten', 'batch_normalization', 'max_pooling2d', 'average_pooling2d',
  'max_pooling1d', 'average_pooling1d']);

function localName(v: Variable): string {
  return v.name.slice(v.name.lastIndexOf('/') + 1);
}

/** The weights Larq counts for a layer: everything but BN's affine terms. */
function countedWeights(layer: Layer): Variable[] {
  const names = new Set(layer.variables.map(localName));
  return layer.variables.filter((v) => {
    const n = localName(v);
    if (n === 'beta' && names.has('moving_mean')) return false;
    if (n === 'gamma' && names.has('moving_variance')) return false;
    return true;
  });
}

function bitsOf(v: Variable): number {
  return Number.isInteger(v.precision) && v.precision > 0 ? v.precision : 32;
}

function hasMacs(layer: Layer): boolean {
  return layer instanceof ProductLayer;
}

function outputPixels(shape: readonly number[]): number {
  if (shape.length === 3) return shape[0] * shape[1];
  if (shape.length === 2) return shape[0];
  return 1;
}

function addTo(rec: Record<string, number>, key: number, n: number): void {
  rec[String(key)] = (rec[String(key)] ?? 0) + n;
}

function summarizeLayer(layer: Layer): LayerSummary {
  const weights = countedWeights(layer);
  const inputPrecision = layer instanceof ProductLayer && layer.inputQuantizer ? layer.inputQuantizer.precision : null;
  const params_by_bits: Record<string, number> = {};
  let memory = 0;
  let trainable = 0;
  for (const v of weights) {
    addTo(params_by_bits, bitsOf(v), v.size);
    memory += bitsOf(v) * v.size;
    if (v.trainable) trainable += v.size;
  }
  let macs_by_bits: Record<string, number> | null = null;
  if (hasMacs(layer)) {
    macs_by_bits = {};
    const pixels = outputPixels(layer.outputShape!);
    for (const v of weights) {
      // Larq tests the full weight name ("<layer>/bias"); testing the weight's own
      // name gives the same result unless a layer's name contains "bias".
      if (localName(v).includes('bias')) continue;
      addTo(macs_by_bits, Math.max(inputPrecision ?? 32, bitsOf(v)), v.size * pixels);
    }
  } else if (COUNTED_WITHOUT_MACS.has(layer.className)) {
    macs_by_bits = {};
  }
  const params = weights.reduce((n, v) => n + v.size, 0);
  return {
    name: layer.name,
    type: layer.className,
    input_precision: inputPrecision,
    output_shape: [-1, ...layer.outputShape!],
    params,
    trainable_params: trainable,
    non_trainable_params: params - trainable,
    params_by_bits,
    memory_bits: memory,
    memory_kib: memory / 8192,
    macs: macs_by_bits ? Object.values(macs_by_bits).reduce((a, b) => a + b, 0) : null,
    macs_by_bits,
  };
}

function summarizeTotals(layers: LayerSummary[]): SummaryTotals {
  const params_by_bits: Record<string, number> = {};
  const macs_by_bits: Record<string, number> = {};
  let total = 0;
  let trainable = 0;
  let memory = 0;
  let int8Memory = 0;
  for (const l of layers) {
    total += l.params;
    trainable += l.trainable_params;
    memory += l.memory_bits;
    for (const [b, n] of Object.entries(l.params_by_bits)) {
      addTo(params_by_bits, Number(b), n);
      int8Memory += Math.min(Number(b), 8) * n;
    }
    for (const [b, n] of Object.entries(l.macs_by_bits ?? {})) addTo(macs_by_bits, Number(b), n);
  }
  const fp32 = 32 * total;
  const macs = Object.values(macs_by_bits).reduce((a, b) => a + b, 0);
  return {
    total_params: total,
    trainable_params: trainable,
    non_trainable_params: total - trainable,
    params_by_bits: sortKeys(params_by_bits),
    memory_bits: memory,
    memory_kib: memory / 8192,
    memory_8bit_fp_kib: int8Memory / 8192,
    float32_equivalent_kib: fp32 / 8192,
    compression_ratio: memory / Math.max(1e-8, fp32),
    macs,
    macs_by_bits: sortKeys(macs_by_bits),
    binarized_ratio: (macs_by_bits['1'] ?? 0) / Math.max(1, macs),
    ternarized_ratio: (macs_by_bits['2'] ?? 0) / Math.max(1, macs),
  };
}

function sortKeys(rec: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rec).sort((a, b) => Number(a) - Number(b))) out[k] = rec[k];
  return out;
}

function layersTable(name: string, layers: LayerSummary[], totals: SummaryTotals): string {
  const bits = Object.keys(totals.params_by_bits);
  const macBits = Object.keys(totals.macs_by_bits);
  const memoryCell = (l: { params: number; memory_bits: number }) => (l.params === 0 ? '0' : pyFixed(l.memory_bits / 8192, 2));
  const header = ['Layer', 'Input prec.\n(bit)', 'Outputs', ...bits.map((b) => `# ${b}-bit\nx 1`), 'Memory\n(kB)',
    ...macBits.map((b) => `${b}-bit MACs`)];
  const rows = layers.map((l) => [
    l.name,
    l.input_precision === null ? '-' : String(l.input_precision),
    `(${l.output_shape.join(', ')})`,
    ...bits.map((b) => String(l.params_by_bits[b] ?? 0)),
    memoryCell(l),
    ...macBits.map((b) => (l.macs_by_bits ? String(l.macs_by_bits[b] ?? 0) : '?')),
  ]);
  const total = ['Total', '', '', ...bits.map((b) => String(totals.params_by_bits[b])),
    memoryCell({ params: totals.total_params, memory_bits: totals.memory_bits }), ...macBits.map((b) => String(totals.macs_by_bits[b]))];
  return asciiTable({ title: `${name} stats`, rows: [header, ...rows, total], rightAlign: true, rulesAfter: [0, rows.length] });
}

function totalsTable(name: string, t: SummaryTotals): string {
  const rows: string[][] = [
    ['Total params', readableNumber(t.total_params)],
    ['Trainable params', readableNumber(t.trainable_params)],
    ['Non-trainable params', readableNumber(t.non_trainable_params)],
    ['Model size', readableMemory(t.memory_bits)],
    ['Model size (8-bit FP weights)', readableMemory(t.memory_8bit_fp_kib * 8192)],
    ['Float-32 Equivalent', readableMemory(t.float32_equivalent_kib * 8192)],
    ['Compression Ratio of Memory', pyFixed(t.compression_ratio, 2)],
    ['Number of MACs', readableNumber(t.macs)],
  ];
  if (t.binarized_ratio > 0) rows.push(['Ratio of MACs that are binarized', pyFixed(t.binarized_ratio, 4)]);
  if (t.ternarized_ratio > 0) rows.push(['Ratio of MACs that are ternarized', pyFixed(t.ternarized_ratio, 4)]);
  return asciiTable({ title: `${name} summary`, rows, rightAlign: false, rulesAfter: [] });
}

export function summary(model: SummarizableModel): ModelSummary {
  if (!model.built) throw new Error(`summary: model "${model.name}" is not built; build it (or give it an input shape) first`);
  const layers = model.layers.map(summarizeLayer);
  const totals = summarizeTotals(layers);
  return { name: model.name, layers, totals, text: `${layersTable(model.name, layers, totals)}\n${totalsTable(model.name, totals)}` };
}
