// Public API of xnorkit that needs no Node built-in: the "browser" entry of
// package.json. src/index.ts (the Node entry) re-exports all of it.
export { Tensor, type DType } from './tensor/tensor.js';
export { tidy, keep } from './tensor/scope.js';
export { Rng } from './tensor/random.js';
export type { Shape } from './tensor/shape.js';
export { backward, noGrad } from './autograd/graph.js';
export { memoryStats } from './wasm/memory.js';
export { setThreads, threadCount } from './wasm/threads.js';
export { init, compileWasm, type InitOptions, type InitResult, type WasmSource } from './wasm/init.js';
export { runtime, withRuntime, configureRuntime, Runtime, type RuntimeSettings, type BinaryPath } from './runtime/index.js';

export { matmul } from './ops/matmul.js';
export { add, sub, mul, scale } from './ops/arithmetic.js';
export { sum, mean } from './ops/reduce.js';
export { relu, hardTanh } from './ops/activations.js';
export { reshape, flatten } from './ops/reshape.js';
export { biasAdd } from './ops/biasAdd.js';
export { conv2d } from './ops/conv2d.js';
export { maxPool2d } from './ops/maxPool2d.js';
export { batchNorm } from './ops/batchNorm.js';
export { dropout } from './ops/dropout.js';
export { softmax, softmaxCrossEntropy } from './ops/softmaxCrossEntropy.js';

export * from './errors.js';
export { Layer, type CallContext } from './nn/layer.js';
export {
  LayerHooks, HOOK_POINTS, type HookPoint, type HookSite, type TensorHook, type KernelHook, type AccumulatorHook, type ProductHook,
  type ProductOperands, type ChipContext,
} from './nn/hooks.js';
export {
  ProductLayer, isProductLayer, padForSame, type ProductSpec, type KernelSlot, type MultiplyOptions, type PaddedInput, type WindowSpec,
} from './nn/productLayer.js';
export { Variable } from './nn/variable.js';
export { Dense } from './nn/layers/dense.js';
export { Conv2D } from './nn/layers/conv2d.js';
export { BatchNormalization } from './nn/layers/batchNormalization.js';
export { MaxPool2D, MaxPooling2D } from './nn/layers/maxPool2D.js';
export { Flatten } from './nn/layers/flatten.js';
export { Activation } from './nn/layers/activation.js';
export { Dropout } from './nn/layers/dropout.js';
export { QuantConv2D, type QuantConv2DOptions } from './nn/layers/quantConv2D.js';
export { QuantDense, type QuantDenseOptions } from './nn/layers/quantDense.js';
export { QuantDepthwiseConv2D } from './nn/layers/quantDepthwiseConv2D.js';
export { QuantSeparableConv2D } from './nn/layers/quantSeparableConv2D.js';
export { Sequential } from './nn/sequential.js';
export { summary, type ModelSummary, type SummaryTotals } from './nn/summary.js';
export { setXnorKernels } from './nn/layers/xnorPath.js';
export * from './quantizers/index.js';
export { createModel, presets } from './nn/models/index.js';
export {
  saveTrainingState, loadTrainingState, TRAINING_STATE_VERSION,
  type TrainingState, type TrainingStateHeader, type SaveExtra,
} from './nn/checkpoint.js';
export { modelToSpec, modelFromSpec, registerLayer, type ModelSpec, type LayerSpec } from './nn/serialize.js';

export { Optimizer } from './optim/optimizer.js';
export { Adam } from './optim/adam.js';
export { SGD } from './optim/sgd.js';
export { Bop } from './optim/bop.js';
export { CaseOptimizer } from './optim/caseOptimizer.js';
export * as schedules from './optim/schedules.js';

export * from './data/index.js';
export { fit, fitAsync, evaluate, epochRngs, type History, type EpochLog, type FitOptions } from './train/fit.js';

export * from './hardware/index.js';
export { type ChipEngine, type ChipRunner, type EngineEntry } from './engines/index.js';

// The packed inference format has its own ModelFormatError (src/deploy); the one exported above covers both by name.
export { exportModel, loadInferenceModel, InferenceModel, DEFAULT_INPUT_SCALING, inputScalingOf, scaleBytes, type InputScaling, type ExportOptions } from './deploy/index.js';

export { writeReport, renderHtml, renderMarkdown, renderCharts, type ExperimentResults, type ModelResult, type SweepSection } from './report/index.js';

// Functional models, graph layers, the Keras training API and the larq_zoo presets (issue 12).
export { input, SymbolicTensor, type InputOptions, type GraphNode } from './nn/symbolic.js';
export { Model, type ModelArgs, type PredictOptions } from './nn/model.js';
export { runGraph, isChain, chainBlocker, assertChain, type ModelGraph } from './nn/graph.js';
export { MergeLayer } from './nn/layers/merge.js';
export { Add } from './nn/layers/add.js';
export { Concatenate } from './nn/layers/concatenate.js';
export { AveragePooling2D, AvgPool2D } from './nn/layers/averagePooling2D.js';
export { GlobalAveragePooling2D } from './nn/layers/globalAveragePooling2D.js';
export { ZeroPadding2D } from './nn/layers/zeroPadding2D.js';
export { Reshape } from './nn/layers/reshape.js';
export { ReLU } from './nn/layers/reLU.js';
export { LeakyReLU } from './nn/layers/leakyReLU.js';
export { PReLU } from './nn/layers/pReLU.js';
export { sigmoid, tanh, leakyRelu, leakyTanh, softmaxLastAxis, prelu } from './ops/pointwise.js';
export { avgPool2d, globalAvgPool2d } from './ops/avgPool2d.js';
export { concatLastAxis } from './ops/concat.js';
export { registerActivation, activationNames, type ActivationName, type ActivationRegistry } from './ops/activations.js';
export { createModelByName, isPresetName, type PresetName as ModelPresetName, type Preset } from './nn/models/index.js';
export { quickNet, biRealNet, binaryResNetE18, binaryDenseNet28, xnorNet, doReFaNet, binaryAlexNet, biRealNetSmall } from './nn/models/index.js';
export { getLoss, getMetric, topKAccuracy, type LossName, type LossFn, type Metric, type MetricName, type LossRegistry, type MetricRegistry } from './train/losses.js';
export type { CompileArgs, KerasFitOptions, KerasHistory, KerasEvaluation } from './train/keras.js';
