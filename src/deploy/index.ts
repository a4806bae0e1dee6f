// Deployment: packed inference models (docs/model-format.md) and the fused
// inference engine that runs them.
//
//   const bytes = exportModel(model);           // Uint8Array, the .xnk file
//   const plan = loadInferenceModel(bytes);     // or compile(model)
//   const { logits, predictions } = run(plan, images);
import type { Model } from '../nn/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { compileLayers, type CompileOptions } from './compile.js';
import { writeModel, isChainOfV1 } from './format.js';
import { VERSION } from '../version.js';
import { DEFAULT_INPUT_SCALING, type InputScaling } from './inputScaling.js';
import { bitExactnessMeta } from './bitExactness.js';
import { InferenceModel, type RunOptions, type RunResult } from './engine.js';

export { InferenceModel, type RunOptions, type RunResult, argmaxRows } from './engine.js';
export { ModelFormatError, readHeader, crc32, FORMAT_VERSION, CHAIN_FORMAT_VERSION, type ModelHeader, type LayerRecord } from './format.js';
export { compileLayers, type CompileOptions } from './compile.js';
export { DEFAULT_INPUT_SCALING, inputScalingOf, scaleBytes, type InputScaling } from './inputScaling.js';
export { bitExactnessOf, type BitExactness } from './bitExactness.js';
export { exportOnnx, ONNX_OPSET, type OnnxExportOptions } from './onnx/export.js';

export interface ExportOptions extends CompileOptions {
  /** Free-form metadata stored in the file's JSON header (e.g. classNames). */
  meta?: Record<string, unknown>;
  /** How raw 8-bit inputs become model inputs, recorded as meta.inputScaling (default: xnorkit's loaders, byte / 127.5 - 1). */
  inputScaling?: InputScaling;
}

/** The packed inference model file of a built (trained) model. */
export function exportModel(model: Model, opts: ExportOptions = {}): Uint8Array {
  const c = compileLayers(model, opts);
  const graph = !isChainOfV1(c.records, c.inputs);
  let binary = 0, float = 0;
  for (const r of c.records) {
    if (r.op === 'depthwise') float += r.weights.length;
    if (r.op !== 'conv') continue;
    const n = r.KH * r.KW * r.C * r.OC;
    if (r.weightKind === 'float') float += n;
    else binary += n;
  }
  const meta = {
    format: 'xnorkit packed inference model',
    createdBy: `xnorkit ${VERSION}`,
    model: model.name,
    inputShape: model.inputShape,
    output: 'logits',
    weights: { packed: binary, float },
    layers: c.records.map((r, i) => ({ op: r.op, from: c.sources[i], ...(graph ? { inputs: c.inputs[i] } : {}) })),
    inputScaling: opts.inputScaling ?? DEFAULT_INPUT_SCALING,
    ...opts.meta,
    // after the caller's meta: a file not bit-exact with predict says so whatever the caller passed
    ...bitExactnessMeta(c.binarizedScaledKernels),
  };
  return writeModel(c.inputShape, c.outputs, c.records, meta, c.inputs);
}

/** Loads a packed model file into the engine; throws ModelFormatError for bad files. */
export function loadInferenceModel(bytes: Uint8Array): InferenceModel {
  return new InferenceModel(bytes);
}

/** The inference plan of a model: export + load in one step. */
export function compile(model: Model, opts: ExportOptions = {}): InferenceModel {
  return new InferenceModel(exportModel(model, opts));
}

export function run(plan: InferenceModel, images: Float32Array | Tensor, opts: RunOptions = {}): RunResult {
  return plan.run(images, opts);
}
