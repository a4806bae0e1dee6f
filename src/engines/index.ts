// Chip engines: one interface (engine.ts), each with its reason to exist.
import type { EngineEntry } from './engine.js';
import { autogradEngine } from './autograd.js';
import { xnorEngine } from './xnor/runner.js';
import { packedEngine } from './packed.js';

export { type ChipEngine, type ChipRunner, type EngineEntry, SharedBatch } from './engine.js';
export { autogradEngine } from './autograd.js';
export { xnorEngine, packedPathBlocker } from './xnor/runner.js';
export { packedEngine } from './packed.js';
export { firstPerturbedLayer, layerIsClean } from './prefix.js';

/** The built-in engines by the names evaluateOnChips and the CLI take. */
export const ENGINES: Record<'float' | 'xnor' | 'deploy', EngineEntry> = {
  float: {
    name: 'float',
    reason: "the layers' own forward with every hook: the reference, and the only engine for hooks the others cannot express",
    create: autogradEngine,
  },
  xnor: {
    name: 'xnor',
    reason: 'layer by layer with binary products on packed bits; shares clean work between chips, fastest at low error rates',
    create: xnorEngine,
  },
  deploy: {
    name: 'deploy',
    reason: 'the model compiled to the fused packed format once per chip; fastest when most chips differ everywhere (bit errors only)',
    create: packedEngine,
  },
};
