// A stopgap weight snapshot so that robustness sweeps can reuse a trained
// model instead of retraining it: the values of every variable (latent
// weights, BatchNorm statistics) by name, as JSON with base64 float32.
// Not the training-state format of issue 6 (no optimizer state, no
// architecture); replace it with that one when it lands.
import { readFileSync } from 'node:fs';
import type { Model } from '../nn/model.js';
import { writeJsonAtomic } from '../util/files.js';

interface WeightsFile {
  format: 'xnorkit-weights';
  version: 1;
  model: string;
  meta?: Record<string, unknown>;
  variables: { name: string; shape: number[]; data: string }[];
}

export function saveWeights(model: Model, path: string, meta?: Record<string, unknown>): void {
  const file: WeightsFile = {
    format: 'xnorkit-weights', version: 1, model: model.name, ...(meta ? { meta } : {}),
    variables: model.variables.map((v) => {
      const a = v.value.toArray();
      return { name: v.name, shape: [...v.shape], data: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
    }),
  };
  writeJsonAtomic(path, file);
}

/** Loads values saved by saveWeights into a model of the same architecture (names and shapes must match). */
export function loadWeights(model: Model, path: string): Record<string, unknown> | undefined {
  let f: WeightsFile;
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as WeightsFile;
  } catch (e) {
    throw new Error(`loadWeights: cannot read ${path}: ${(e as Error).message}`);
  }
  if (f.format !== 'xnorkit-weights' || f.version !== 1) throw new Error(`loadWeights: ${path} is not an xnorkit weights file (version 1)`);
  const byName = new Map(f.variables.map((v) => [v.name, v]));
  const vars = model.variables;
  if (vars.length !== f.variables.length) throw new Error(`loadWeights: ${path} has ${f.variables.length} variables, the model ${vars.length}`);
  for (const v of vars) {
    const s = byName.get(v.name);
    if (!s) throw new Error(`loadWeights: ${path} has no variable "${v.name}"`);
    if (s.shape.join(',') !== v.shape.join(',')) throw new Error(`loadWeights: "${v.name}" is [${s.shape}] in ${path}, [${v.shape}] in the model`);
    const bytes = Buffer.from(s.data, 'base64');
    if (bytes.byteLength !== v.size * 4) throw new Error(`loadWeights: "${v.name}" in ${path} is truncated`);
    v.value.data.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  }
  return f.meta;
}
