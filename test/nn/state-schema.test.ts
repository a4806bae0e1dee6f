// Issue 14, "Crashes instead of messages": training-state files with a valid
// checksum but a bad header fail with a ModelFormatError that names the
// field, before anything is built from them.
import { describe, it, expect } from 'vitest';
import { saveTrainingState, loadTrainingState } from '../../src/nn/checkpoint.js';
import { decodeContainer, encodeContainer } from '../../src/nn/stateContainer.js';
import { ModelFormatError } from '../../src/errors.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { smallBnn, syntheticData } from '../hardware/fixtures.js';
import { memoryStats } from '../../src/wasm/memory.js';

type H = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const good = (() => {
  const m = smallBnn(1);
  const opt = new Adam({ learningRate: 1e-3 });
  fit(m, syntheticData(32, [12, 12, 2], 4, 1), { epochs: 1, batchSize: 16, optimizer: opt });
  const bytes = saveTrainingState(m, opt, { epoch: 1 });
  m.dispose();
  opt.dispose();
  return bytes;
})();

/** The good file with its header edited (the checksum recomputed, so only the header is wrong). */
function edited(edit: (h: H) => void): Uint8Array {
  const { header, dataBytes } = decodeContainer(good);
  const h = structuredClone(header) as H;
  edit(h);
  const start = good.length - 4 - dataBytes;
  return encodeContainer(h, [new Float32Array(good.slice(start, good.length - 4).buffer)]);
}

const cases: [string, (h: H) => void, RegExp][] = [
  ['a shape that is not an array', (h) => { h.variables[0].shape = 5; }, /variables\[0\]\.shape must be an array/],
  ['a null variable', (h) => { h.variables[1] = null; }, /variables\[1\] must be an object, got null/],
  ['inputShape: -1', (h) => { h.model.inputShape = -1; }, /model\.inputShape must be an array/],
  ['inputShape [-1, 12, 2]', (h) => { h.model.inputShape[0] = -1; }, /model\.inputShape\[0\] must be an integer/],
  ['a numeric layer name', (h) => { h.model.layers[0].config.name = 42; }, /model\.layers\[0\]\.config\.name must be a non-empty string/],
  ['filters: 2^31', (h) => { h.model.layers[0].config.filters = 2 ** 31; }, /model\.layers\[0\]\.config\.filters must be an integer in 1\.\.65536/],
  ['no layers', (h) => { h.model.layers = []; }, /model\.layers is empty/],
  ['an unknown padding', (h) => { h.model.layers[2].config.padding = 'reflect'; }, /config\.padding must be "valid" or "same", got "reflect"/],
  ['optimizer.slots: ""', (h) => { h.optimizer.slots = ''; }, /optimizer\.slots must be an array/],
  ['Adam with steps but no slots', (h) => { h.optimizer.slots = []; }, /optimizer\.slots is empty although Adam has taken \d+ steps/],
  ['a variable offset pointing at another array', (h) => { h.variables[1].offset = h.variables[0].offset; }, /overlaps variables\[0\]/],
  ['an offset outside the data section', (h) => { h.variables[0].offset = 1 << 30; }, /points outside the data section/],
  ['a variable length that is not a number', (h) => { h.variables[0].length = '9'; }, /variables\[0\]\.length must be an integer/],
  ['trainable: "yes"', (h) => { h.variables[0].trainable = 'yes'; }, /variables\[0\]\.trainable must be true or false/],
];

describe('issue 14: training-state headers validated against a schema', () => {
  it('the unedited file loads', () => {
    const st = loadTrainingState(edited(() => {}));
    st.model.dispose();
    st.optimizer?.dispose();
  });
  for (const [item, edit, message] of cases) {
    it(`item "${item}" -> ModelFormatError with a message`, () => {
      const before = memoryStats().bytesInUse;
      let err: unknown;
      try {
        const st = loadTrainingState(edited(edit));
        st.model.dispose();
        st.optimizer?.dispose();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelFormatError);
      expect((err as Error).message).toMatch(message);
      expect(memoryStats().bytesInUse).toBe(before);
    });
  }
});
