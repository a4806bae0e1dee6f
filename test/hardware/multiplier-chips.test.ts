// Why the scenario studies evaluate the saturating multiplier on one chip:
// the multiplier draws nothing at random, so every chip of a population
// computes the same numbers and more chips add no information; the
// variation sweep on the same model and chips does differ from chip to chip
// (the contrast that shows the comparison can tell the two apart). Layers:
// the fixture's binary-kernel layers (its float output layer has no weight grid).
import { describe, it, expect } from 'vitest';
import { runSweep } from '../../src/hardware/sweeps.js';
import { smallBnn, syntheticData } from './fixtures.js';

describe('saturating multiplier over a chip population', () => {
  it('gives every chip the same accuracy (deterministic), unlike process variation', () => {
    const model = smallBnn(3);
    const data = syntheticData(96, [12, 12, 2], 4, 7);
    const chips = 5;
    // The three datapaths of the studies: XNOR counter, unsigned and signed registers.
    const datapaths = [
      { binaryEncoding: 'xnor', multiplierSigned: false },
      { binaryEncoding: 'value', multiplierSigned: false },
      { binaryEncoding: 'value', multiplierSigned: true },
    ] as const;
    let changed = 0;
    for (const d of datapaths) {
      const r = runSweep([{ trainLevel: null, model }], data, {
        kind: 'multiplier', levels: [4, 6], chips, seed: 11, ...d, layers: 'binary', verbose: 'quiet',
      });
      for (const p of r.points) {
        expect(p.accuracies).toHaveLength(chips);
        expect(new Set(p.accuracies).size).toBe(1);
        expect(p.std).toBe(0);
        if (p.mean !== p.clean_accuracy) changed++;
      }
    }
    // The multiplier does act on these layers (4-bit registers clip), so the equality is not the clean accuracy repeated.
    expect(changed).toBeGreaterThan(0);
    const v = runSweep([{ trainLevel: null, model }], data, { kind: 'variation', levels: [1], chips, seed: 11, verbose: 'quiet' });
    expect(new Set(v.points[0].accuracies).size).toBeGreaterThan(1);
    model.dispose();
  });
});
