// `xnorkit export`: a saved training state (.xnks) -> a packed inference
// model (.xnk, docs/model-format.md) that `xnorkit predict`, the JS engine
// and the standalone WebAssembly module run.
import { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../util/files.js';
import { loadTrainingState } from '../../nn/checkpoint.js';
import { exportModel, readHeader } from '../../deploy/index.js';
import { isPackedModel } from '../../deploy/modelFile.js';
import { UsageError } from '../errors.js';
import { exportOnnx } from '../../deploy/onnx/export.js';

export interface ExportOptions {
  modelFile: string;
  out?: string;
  force?: boolean;
  json: boolean;
  /** 'xnk' (packed inference model, default) or 'onnx' (float operators, opset 17). */
  format?: string;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('pack a trained model (a training state: model.xnks from train, float.xnks / binary.xnks from experiment) into an inference model file')
    .requiredOption('--model-file <file.xnks>', 'training state to export (train already writes model.xnk beside model.xnks)')
    .option('--out <file.xnk>', 'where to write the packed model (default: the input name with .xnk)')
    .option('--force', 'replace the output file if it exists', false)
    .option('--json', 'print what was written as JSON', false)
    .option('--format <xnk|onnx>', 'xnk: packed inference model; onnx: float ONNX graph (opset 17; binarized layers as Sign + ±1 products)', 'xnk')
    .action((opts: ExportOptions) => {
      runExport(opts);
    });
}

export function runExport(opts: ExportOptions): { file: string; bytes: number; packed_weights?: number; float_weights?: number; format?: string } {
  let input: Uint8Array;
  try {
    input = readFileSync(opts.modelFile);
  } catch {
    throw new UsageError(`cannot read ${opts.modelFile}`);
  }
  const format = opts.format ?? 'xnk';
  if (format !== 'xnk' && format !== 'onnx') throw new UsageError(`--format must be xnk or onnx, got ${format}`);
  const file = opts.out ?? opts.modelFile.replace(/\.xnks$/, '') + `.${format}`;
  if (existsSync(file) && !statSync(file).isDirectory() && !opts.force) throw new UsageError(`${file} exists; pass --force to replace it or --out to write elsewhere`);
  if (isPackedModel(input)) {
    throw new UsageError(`${opts.modelFile} is already a packed inference model (.xnk): eval, predict and the inference engine run it as it is`);
  }
  const state = loadTrainingState(input);
  if (format === 'onnx') {
    try {
      const bytes = exportOnnx(state.model);
      writeFileAtomic(file, bytes);
      const result = { file, bytes: bytes.length, format };
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`wrote ${file}: ${bytes.length} bytes (ONNX opset 17, float operators)\n`);
      return result;
    } finally {
      state.model.dispose();
    }
  }
  try {
    const classNames = state.extra.classNames;
    const bytes = exportModel(state.model, { meta: { source: opts.modelFile, ...(Array.isArray(classNames) ? { classNames } : {}) } });
    // Temp file + rename: a kill during the write leaves the old file whole.
    writeFileAtomic(file, bytes);
    const w = readHeader(bytes).meta.weights as { packed: number; float: number };
    const result = { file, bytes: bytes.length, packed_weights: w.packed, float_weights: w.float };
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(`wrote ${file}: ${bytes.length} bytes (${w.packed} packed weights, ${w.float} float weights; `
        + `training state ${input.length} bytes)\n`);
    }
    return result;
  } finally {
    state.model.dispose();
  }
}
