// Issue 14 acceptance 6: softmax cross-entropy agrees with an independent
// float64 reference for logit gaps up to 1e4 (log-sum-exp, no 69.08 cap).
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { softmaxCrossEntropy } from '../../src/ops/softmaxCrossEntropy.js';
import { tidy } from '../../src/tensor/scope.js';
import { DatasetError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/graph.js';

/** −log softmax(z)[y] in float64, written out differently: sum over exp(z_k − z_y). */
function reference(z: number[], y: number): number {
  // log Σ_k exp(z_k − z_y), shifted by the largest difference so nothing overflows.
  const d = z.map((v) => v - z[y]);
  const m = Math.max(...d);
  return m + Math.log(d.reduce((s, v) => s + Math.exp(v - m), 0));
}

const loss = (rows: number[][], labels: number[]) => tidy(() => {
  const t = Tensor.from(new Float32Array(rows.flat()), [rows.length, rows[0].length]);
  return softmaxCrossEntropy(t, labels).item();
});

describe('issue 14: softmax cross-entropy (acceptance 6)', () => {
  it('item "caps each sample\'s loss at 69.08": logits [0, 80] with label 0 give 80', () => {
    expect(loss([[0, 80]], [0])).toBeCloseTo(80, 4);
    expect(loss([[0, 80]], [1])).toBeCloseTo(reference([0, 80], 1), 12);
  });

  it('agrees with the float64 reference for logit gaps up to 1e4 (relative error < 1e-6)', () => {
    const rng = new Rng(7);
    let worst = 0;
    for (const gap of [0, 1e-3, 0.5, 1, 10, 69, 80, 100, 1e3, 5e3, 1e4]) {
      for (let trial = 0; trial < 20; trial++) {
        const K = 2 + (trial % 9);
        // Float32 logits (what the tensor holds), spread over [−gap/2, gap/2].
        const z = Array.from({ length: K }, () => Math.fround((rng.uniform() - 0.5) * gap));
        const y = trial % K;
        const got = loss([z], [y]);
        const want = reference(z, y);
        const err = Math.abs(got - want) / Math.max(1, Math.abs(want));
        worst = Math.max(worst, err);
        expect(err, `gap ${gap} z ${z} y ${y}: ${got} vs ${want}`).toBeLessThan(1e-6);
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('the gradient stays softmax − onehot at a gap of 1e4 (finite, rows sum to 0)', () => {
    tidy(() => {
      const t = Tensor.from(new Float32Array([0, 1e4, -1e4, 3]), [2, 2]);
      t.requiresGrad = true;
      const l = softmaxCrossEntropy(t, [0, 1]);
      backward(l);
      const g = t.grad!.toArray();
      expect([...g].every(Number.isFinite)).toBe(true);
      expect(g[0] + g[1]).toBeCloseTo(0, 6);
      expect(g[0]).toBeCloseTo(-0.5, 6);
    });
  });

  it('a label outside the classes is a DatasetError', () => {
    expect(() => loss([[0, 1]], [2])).toThrow(DatasetError);
  });
});
