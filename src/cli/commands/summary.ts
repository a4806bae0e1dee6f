// `xnorkit summary`: Larq's model summary of a preset — the per-layer table
// and the totals (parameters per bit-width, memory, MACs per precision) — or,
// with --json, { layers, totals }.
import { Command } from 'commander';
import { createModelByName, presets } from '../../nn/models/index.js';
import { summary } from '../../nn/summary.js';
import { positiveInt } from '../options.js';
import { UsageError } from '../errors.js';

export interface SummaryOptions {
  model: string;
  float: boolean;
  quantizer?: string;
  bits?: number;
  ternary: boolean;
  inputShape?: [number, number, number];
  classes?: number;
  json: boolean;
}

function shape(value: string): [number, number, number] {
  const dims = value.split(/[,x]/).map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UsageError(`--input-shape wants HEIGHT,WIDTH,CHANNELS (e.g. 32,32,3), got "${value}"`);
  }
  return dims as [number, number, number];
}

export function summaryCommand(): Command {
  return new Command('summary')
    .description("print Larq's summary of a model preset (parameters and MACs per bit-width, memory, compression)")
    .option('--model <name>', `model preset (${Object.keys(presets).join(', ')})`, 'larq-mnist')
    .option('--float', 'the float twin (no quantizers)', false)
    .option('--quantizer <name>', 'Larq quantizer for inputs and kernels (ste_sign, approx_sign, swish_sign, ...)')
    .option('--bits <k>', 'DoReFa k-bit weights and activations', positiveInt)
    .option('--ternary', 'ste_tern inputs and kernels', false)
    .option('--input-shape <h,w,c>', 'input shape (default: the preset\'s)', shape)
    .option('--classes <n>', 'number of classes', positiveInt)
    .option('--json', 'print { layers, totals } as JSON', false)
    .action((opts: SummaryOptions) => {
      runSummary(opts);
    });
}

export function runSummary(opts: SummaryOptions): ReturnType<typeof summary> {
  const model = createModelByName(opts.model, {
    float: opts.float, quantizer: opts.quantizer, bits: opts.bits, ternary: opts.ternary || undefined,
    inputShape: opts.inputShape, numClasses: opts.classes,
  });
  try {
    const s = summary(model);
    process.stdout.write(opts.json ? `${JSON.stringify({ layers: s.layers, totals: s.totals }, null, 2)}\n` : `${s.text}\n`);
    return s;
  } finally {
    model.dispose();
  }
}
