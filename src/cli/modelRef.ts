// `--model` of predict/eval: a file path, or the name of a pretrained model in
// the zoo (data/models/manifest.json), e.g. `--model mnist-binary`. A path
// that exists wins, so a file named like a zoo model is still read as a file.
import { existsSync } from 'node:fs';
import { pretrainedFile, pretrainedNames, zooEntry } from '../zoo/pretrained.js';
import { UsageError } from './errors.js';

/** kind 'any': the training state when the zoo ships one, else the packed model. */
export function resolveModelFile(ref: string, kind: 'packed' | 'state' | 'any'): string {
  if (existsSync(ref)) return ref;
  let names: string[] = [];
  try {
    names = pretrainedNames();
  } catch {
    // No manifest (a trimmed install): only paths work.
  }
  if (names.includes(ref)) return pretrainedFile(ref, kind === 'any' ? (zooEntry(ref).state ? 'state' : 'packed') : kind);
  throw new UsageError(`${ref} is neither a file nor a pretrained model` + (names.length > 0 ? ` (pretrained: ${names.join(', ')})` : ''));
}
