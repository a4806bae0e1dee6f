// Size on disk of the models for inference: both are exported with
// src/deploy's exportModel (1 bit per binary weight, BatchNorm folded, float
// only where the model is float) and the files measured. Should the exporter
// refuse a model, the report falls back to what a packed file would need,
// labelled as an estimate, next to the real size of the float weights.
import { join } from 'node:path';
import type { Model } from '../nn/model.js';
import { saveTrainingState } from '../nn/checkpoint.js';
import { exportModel } from '../deploy/index.js';
import { writeFileAtomic } from '../util/files.js';

export interface FileSize {
  bytes: number;
  /** How the number was obtained, shown next to it in the report. */
  source: string;
  /** The file measured, relative to the run folder; null for an estimate. */
  file: string | null;
}

/** Exports the packed inference model to `dir/name` and measures it; on refusal, the fallback measure and why. */
export function exportedFileSize(model: Model, dir: string, name: string, meta: Record<string, unknown>, fallback: () => FileSize): { size: FileSize; bytes: Uint8Array | null } {
  try {
    const bytes = exportModel(model, { meta });
    writeFileAtomic(join(dir, name), bytes);
    return { size: { bytes: bytes.length, source: 'file: packed inference model (exportModel, docs/model-format.md)', file: name }, bytes };
  } catch (e) {
    const f = fallback();
    return { size: { ...f, source: `${f.source}; the exporter refused the model: ${(e as Error).message}` }, bytes: null };
  }
}

/** Writes the model's weights (no optimizer state) and measures the file. */
export function weightsFileSize(model: Model, dir: string, name: string): FileSize {
  const bytes = saveTrainingState(model, null, { note: 'weights only, for inference size' });
  writeFileAtomic(join(dir, name), bytes);
  return { bytes: bytes.length, source: 'file: float32 weights + JSON architecture (training-state format without optimizer state)', file: name };
}

/** Bytes a packed model needs: ceil(bits/8) per variable at its precision; no file is written. */
export function packedSizeEstimate(model: Model): FileSize {
  let bits = 0;
  for (const v of model.variables) bits += v.size * (v.precision < 32 ? v.precision : 32);
  return {
    bytes: Math.ceil(bits / 8),
    source: 'estimate, not a file: 1 bit per binary weight, k bits per k-bit weight, 4 bytes per other value ',
    file: null,
  };
}
