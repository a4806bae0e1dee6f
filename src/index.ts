// Public API of xnorkit under Node: everything in src/portable.ts (the browser
// entry) plus what needs Node (experiments run in worker threads and write files).
export * from './portable.js';

export { runExperiment, type RunOptions as ExperimentRunOptions } from './experiment/run.js';
export { resolveConfig, readConfigFile, PRESETS, PRESET_DEFAULTS, type ExperimentConfig, type PresetName } from './experiment/config.js';
export { startExperiment, type BackgroundRun } from './experiment/worker.js';

// Functional models: loading from a path and the callbacks that write files (issue 12).
export { loadModel, loadModelSync } from './nn/loadModel.js';
export { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger, type Callback, type Logs, type TrainingControl } from './train/callbacks.js';
