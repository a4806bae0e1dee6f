// Kernels split across worker threads give exactly the single-thread result.
import { describe, it, expect, afterAll } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { gemm } from '../../src/ops/gemm.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { maxPool2d } from '../../src/ops/maxPool2d.js';
import { backward } from '../../src/autograd/graph.js';
import { setThreads, threadCount, splitRange } from '../../src/wasm/threads.js';

afterAll(() => setThreads(1));

describe('threads', () => {
  it('splitRange covers [0, n) with aligned, disjoint ranges', () => {
    for (const [n, parts, align] of [[100, 2, 16], [7, 3, 1], [5, 4, 16], [1000, 3, 8]]) {
      const r = splitRange(n, parts, align);
      expect(r[0][0]).toBe(0);
      expect(r[r.length - 1][1]).toBe(n);
      for (let i = 1; i < r.length; i++) {
        expect(r[i][0]).toBe(r[i - 1][1]);
        expect(r[i][0] % align).toBe(0);
      }
    }
  });

  for (const [ta, tb, M, N, K] of [[false, false, 131, 70, 33], [true, false, 40, 150, 77], [false, true, 20, 260, 50], [true, true, 97, 97, 30]] as const) {
    it(`gemm transA=${ta} transB=${tb} ${M}x${N}x${K} on 2 threads equals 1 thread`, () => {
      const rng = new Rng(3);
      const a = Tensor.from(rng.fillUniform(new Float32Array(M * K), -1, 1), ta ? [K, M] : [M, K]);
      const b = Tensor.from(rng.fillUniform(new Float32Array(K * N), -1, 1), tb ? [N, K] : [K, N]);
      const c1 = new Tensor([M, N]);
      const c2 = new Tensor([M, N]);
      setThreads(1);
      gemm(ta, tb, M, N, K, a.ptr, b.ptr, c1.ptr);
      setThreads(2);
      expect(threadCount()).toBe(2);
      c2.data.fill(NaN);
      gemm(ta, tb, M, N, K, a.ptr, b.ptr, c2.ptr);
      expect(Array.from(c2.data)).toEqual(Array.from(c1.data));
      // Accumulate mode on threads too.
      gemm(ta, tb, M, N, K, a.ptr, b.ptr, c2.ptr, true);
      const d1 = c1.data, d2 = c2.data;
      for (let i = 0; i < d1.length; i++) expect(d2[i]).toBeCloseTo(2 * d1[i], 4);
      for (const t of [a, b, c1, c2]) t.dispose();
    });
  }

  it('conv2d + max-pool forward and backward (im2col, col2im, pooling split by images) on 2 threads equal 1 thread, bit for bit', () => {
    // Large enough (> PARALLEL_MIN_BYTES) for every one of them to split; 'same' padding and a
    // pool window over the edge (3x3 stride 2 'same') so that edge handling runs in both halves.
    const run = (threads: number): Float32Array[] => {
      setThreads(threads);
      const rng = new Rng(5);
      const x = Tensor.from(rng.fillUniform(new Float32Array(12 * 30 * 30 * 16), -1, 1), [12, 30, 30, 16]);
      const w = Tensor.from(rng.fillUniform(new Float32Array(3 * 3 * 16 * 32), -1, 1), [3, 3, 16, 32]);
      x.requiresGrad = true;
      w.requiresGrad = true;
      const y = maxPool2d(conv2d(x, w, { padding: 'same' }), { poolSize: 3, strides: 2, padding: 'same' });
      const r = Tensor.from(rng.fillUniform(new Float32Array(y.size), -1, 1), y.shape);
      backward(y, r);
      const out = [y.toArray(), x.grad!.toArray(), w.grad!.toArray()];
      for (const t of [x, w, y, r, x.grad!, w.grad!]) t.dispose();
      return out;
    };
    const one = run(1), two = run(2);
    expect(threadCount()).toBe(2);
    one.forEach((a, i) => expect(Buffer.from(two[i].buffer).equals(Buffer.from(a.buffer)), `output ${i}`).toBe(true));
  });
});
