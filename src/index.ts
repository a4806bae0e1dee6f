// Public API of xnorkit under Node: everything in src/portable.ts (the browser
// entry) plus what needs Node (experiments run in worker threads and write files).
export * from './portable.js';

export { runExperiment, type RunOptions as ExperimentRunOptions } from './experiment/run.js';
export { resolveConfig, readConfigFile, PRESETS, PRESET_DEFAULTS, type ExperimentConfig, type PresetName } from './experiment/config.js';
export { startExperiment, type BackgroundRun } from './experiment/worker.js';

// Functional models: loading from a path and the callbacks that write files (issue 12).
export { loadModel, loadModelSync } from './nn/loadModel.js';
export { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger, type Callback, type Logs, type TrainingControl } from './train/callbacks.js';

// Pretrained models of data/models (read from the package's files) and the training recipes (issue 16).
export { loadPretrained, loadPretrainedState, pretrainedNames, readZooManifest, type ZooEntry, type ZooManifest } from './zoo/pretrained.js';
export { resolveRecipe, RECIPES, RECIPE_NAMES, type Recipe, type RecipeName } from './train/recipe.js';
