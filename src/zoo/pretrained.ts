// The model zoo: pretrained models shipped in data/models/ (a packed .xnk
// for inference and, where it matters, the .xnks training state), described
// by data/models/manifest.json (test accuracy, dataset, the command that
// built it, seed, commit, sha256 of every file). scripts/build-zoo.ts
// rebuilds the whole zoo. Loading checks the checksum, so a damaged or
// hand-edited file is an error rather than a silently different model.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadInferenceModel } from '../deploy/index.js';
import type { InferenceModel } from '../deploy/engine.js';
import { loadTrainingState, type TrainingState } from '../nn/checkpoint.js';
import { ConfigError, ModelFormatError } from '../errors.js';

/** data/models of the package (the same two levels up from src/zoo and dist/zoo). */
export const ZOO_DIR = fileURLToPath(new URL('../../data/models/', import.meta.url));

export interface ZooFile {
  file: string;
  bytes: number;
  sha256: string;
}

export interface ZooEntry {
  name: string;
  description: string;
  dataset: string;
  /** Model preset (xnorkit models). */
  model: string;
  /** float | binary | dorefa4 | ... */
  precision: string;
  /** The perturbation it was trained under, if any (hardware-aware models). */
  trained_under: string | null;
  /** Accuracy on the whole test split: of the packed model, or of the training state when no packed model is shipped. */
  test_accuracy: number;
  test_samples: number;
  /** Accuracy of the training state (autograd forward) on the same test split, when a state is shipped. */
  state_test_accuracy: number | null;
  /** Null when the packed format cannot hold the model (DoReFa activations of more than 2 bits). */
  packed: ZooFile | null;
  state: ZooFile | null;
  seed: number;
  epochs: number;
  batch_size: number;
  train_samples: number;
  recipe: string;
  command: string;
  commit: string;
  date: string;
}

export interface ZooManifest {
  format: 'xnorkit-model-zoo';
  version: 1;
  models: ZooEntry[];
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readZooManifest(dir = ZOO_DIR): ZooManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new ConfigError(`no model zoo manifest at ${path} (rebuild it with scripts/build-zoo.ts)`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as ZooManifest;
  if (m.format !== 'xnorkit-model-zoo' || !Array.isArray(m.models)) throw new ModelFormatError(`${path} is not an xnorkit model zoo manifest`);
  return m;
}

export function pretrainedNames(dir = ZOO_DIR): string[] {
  return readZooManifest(dir).models.map((m) => m.name);
}

export function zooEntry(name: string, dir = ZOO_DIR): ZooEntry {
  const m = readZooManifest(dir);
  const e = m.models.find((x) => x.name === name);
  if (!e) throw new ConfigError(`no pretrained model "${name}" (the zoo has: ${m.models.map((x) => x.name).join(', ')})`);
  return e;
}

/** A zoo file's bytes after its checksum matched the manifest. */
export function readZooFile(f: ZooFile, dir = ZOO_DIR): Uint8Array {
  const path = join(dir, f.file);
  if (!existsSync(path)) throw new ModelFormatError(`model zoo file ${path} is missing`);
  const bytes = readFileSync(path);
  const got = sha256(bytes);
  if (got !== f.sha256) throw new ModelFormatError(`model zoo file ${path}: sha256 ${got} differs from the manifest's ${f.sha256}`);
  return bytes;
}

/** The path of a zoo model's packed (.xnk) or training-state (.xnks) file, checksum verified. */
export function pretrainedFile(name: string, kind: 'packed' | 'state', dir = ZOO_DIR): string {
  const e = zooEntry(name, dir);
  const f = kind === 'packed' ? e.packed : e.state;
  if (!f) throw new ConfigError(`pretrained model "${name}" ships no ${kind === 'packed' ? 'packed model, only its training state (use loadPretrainedState)' : 'training state, only the packed model'}`);
  readZooFile(f, dir);
  return join(dir, f.file);
}

/** The packed inference model of a zoo entry, e.g. loadPretrained('mnist-binary').run(images). */
export function loadPretrained(name: string, dir = ZOO_DIR): InferenceModel {
  const e = zooEntry(name, dir);
  if (!e.packed) throw new ConfigError(`pretrained model "${name}" ships no packed model, only its training state (use loadPretrainedState)`);
  return loadInferenceModel(readZooFile(e.packed, dir));
}

/** The training state (model, optimizer, epoch) of a zoo entry, to fine-tune or run under perturbations. */
export function loadPretrainedState(name: string, dir = ZOO_DIR): TrainingState {
  const e = zooEntry(name, dir);
  if (!e.state) throw new ConfigError(`pretrained model "${name}" ships no training state, only the packed model`);
  return loadTrainingState(readZooFile(e.state, dir));
}
