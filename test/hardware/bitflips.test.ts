// Bit errors: drawn rates within tolerance, codes applied to float kernels
// and to packed words alike. The engines' equality under bit errors is in
// test/engines/xnor.test.ts.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad, backward } from '../../src/autograd/graph.js';
import { u8View } from '../../src/wasm/memory.js';
import { packWeights } from '../../src/ops/binary/index.js';
import { drawBitErrors, countCodes, applyBitErrors, BIT_OK, BIT_FLIP, BIT_STUCK0, BIT_STUCK1 } from '../../src/hardware/bitErrors.js';
import { applyCodesPacked, } from '../../src/engines/xnor/runner.js';
import { randomTensor } from '../helpers/gradcheck.js';


describe('bit-error draws', () => {
  it('flip and stuck-at rates within 4 standard errors over 10^6 cells', () => {
    const n = 1_000_000;
    const rates = { flip: 0.01, stuck0: 0.002, stuck1: 0.0005 };
    const [ok, flip, s0, s1] = countCodes(drawBitErrors(new Rng(1), n, rates));
    for (const [got, p] of [[flip, rates.flip], [s0, rates.stuck0], [s1, rates.stuck1]] as const) {
      expect(Math.abs(got / n - p)).toBeLessThan(4 * Math.sqrt(p * (1 - p) / n));
    }
    expect(ok + flip + s0 + s1).toBe(n);
  });

  it('higher rates flip a superset of the cells (one uniform per cell: coupled sweeps)', () => {
    const low = drawBitErrors(new Rng(5), 10000, { flip: 0.01, stuck0: 0, stuck1: 0 });
    const high = drawBitErrors(new Rng(5), 10000, { flip: 0.1, stuck0: 0, stuck1: 0 });
    for (let i = 0; i < low.length; i++) if (low[i] === BIT_FLIP) expect(high[i]).toBe(BIT_FLIP);
  });

  it('applies to ±s kernels with the exact gradient (flip: -dy, stuck: 0)', () => {
    tidy(() => {
      const w = Tensor.from([1, -1, 0.5, -0.5, 1, -1]);
      w.requiresGrad = true;
      const codes = Uint8Array.from([BIT_OK, BIT_FLIP, BIT_STUCK0, BIT_STUCK0, BIT_STUCK1, BIT_STUCK1]);
      const y = applyBitErrors(w, codes);
      expect(Array.from(y.toArray())).toEqual([1, 1, 0.5, 0.5, -1, -1]);
      backward(y, Tensor.from([1, 2, 3, 4, 5, 6]));
      expect(Array.from(w.grad!.toArray())).toEqual([1, -2, 0, 0, 0, 0]);
    });
  });

  it('on packed words equal packing the perturbed float kernel', () => {
    const rng = new Rng(2);
    tidy(() => {
      const shape = [3, 3, 70, 9];
      const w = randomTensor(shape, rng);
      const codes = drawBitErrors(rng, w.size, { flip: 0.1, stuck0: 0.05, stuck1: 0.05 });
      const signs = Tensor.from(w.toArray().map((v) => (v < 0 ? -1 : 1)), shape);
      const perturbed = noGrad(() => applyBitErrors(signs, codes));
      const expected = packWeights(perturbed.ptr, shape);
      const got = packWeights(signs.ptr, shape);
      applyCodesPacked(got, shape, codes);
      expect(Array.from(u8View(got.ptr, got.bytes))).toEqual(Array.from(u8View(expected.ptr, expected.bytes)));
      got.dispose();
      expected.dispose();
    });
  });
});
