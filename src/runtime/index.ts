export {
  Runtime, runtime, withRuntime, configureRuntime, DEFAULT_SETTINGS, type RuntimeSettings, type BinaryPath,
} from './runtime.js';
