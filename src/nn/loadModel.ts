// loadModel: a model saved by model.save / toBytes, or the model of a
// training state (saveTrainingState), back with its weights: Sequential and
// functional graphs alike (serialize.ts rebuilds both).
import { readFileSync } from 'node:fs';
import { loadTrainingState } from './checkpoint.js';
import type { Model } from './model.js';

/** Reads a .xnks file (path) or its bytes. */
export async function loadModel(source: string | Uint8Array): Promise<Model> {
  return loadModelSync(typeof source === 'string' ? new Uint8Array(readFileSync(source)) : source);
}

export function loadModelSync(bytes: Uint8Array): Model {
  return loadTrainingState(bytes).model;
}
