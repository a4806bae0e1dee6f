// The two model files xnorkit writes, told apart by their signatures: a
// training state (.xnks, src/nn/checkpoint.ts: architecture, latent weights,
// optimizer) and a packed inference model (.xnk, docs/model-format.md).
// Commands that only run a model accept either: a training state is packed
// in memory, as `xnorkit export` would pack it.
import { loadTrainingState } from '../nn/checkpoint.js';
import { MAGIC as STATE_MAGIC } from '../nn/stateContainer.js';
import { ModelFormatError } from '../errors.js';
import { exportModel } from './index.js';

const PACKED_MAGIC = [0x89, 0x58, 0x4e, 0x4b, 0x0d];

export function isPackedModel(bytes: Uint8Array): boolean {
  return bytes.length >= PACKED_MAGIC.length && PACKED_MAGIC.every((b, i) => bytes[i] === b);
}

export function isTrainingState(bytes: Uint8Array): boolean {
  return bytes.length >= STATE_MAGIC.length && STATE_MAGIC.every((b, i) => bytes[i] === b);
}

/** The packed model of a model file of either kind (a training state is exported in memory). */
export function packedModelBytes(bytes: Uint8Array, name = 'the model file', meta: Record<string, unknown> = {}): Uint8Array {
  if (isPackedModel(bytes)) return bytes;
  if (!isTrainingState(bytes)) {
    throw new ModelFormatError(`${name} is neither a packed model (.xnk) nor a training state (.xnks)`);
  }
  const st = loadTrainingState(bytes);
  try {
    const classNames = st.extra.classNames;
    return exportModel(st.model, { meta: { source: name, ...(Array.isArray(classNames) ? { classNames } : {}), ...meta } });
  } finally {
    st.model.dispose();
    st.optimizer?.dispose();
  }
}
