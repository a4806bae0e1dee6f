// Binary kernels split across worker threads (dense by rows, conv by images)
// give exactly the single-thread result.
import { describe, it, expect, afterAll } from 'vitest';
import { Rng } from '../../../src/tensor/random.js';
import { alloc, free, f32View, u8View } from '../../../src/wasm/memory.js';
import { setThreads } from '../../../src/wasm/threads.js';
import {
  packActivations, packRows, packWeights, allocPacked, binaryConv2d, binaryDense, dorefa2Conv2d, dorefa2Dense, samePad,
  type BinaryOutput,
} from '../../../src/ops/binary/index.js';

afterAll(() => setThreads(1));

function put(a: Float32Array): number {
  const p = alloc(a.length * 4);
  f32View(p, a.length).set(a);
  return p;
}

// Runs f on 1 then 2 threads (outputs pre-filled alike) and returns the
// first byte where they differ, or -1.
function both(bytes: number, f: (out: number) => void): number {
  const o1 = alloc(bytes), o2 = alloc(bytes);
  u8View(o1, bytes).fill(0xa5);
  u8View(o2, bytes).fill(0xa5);
  setThreads(1);
  f(o1);
  setThreads(2);
  f(o2);
  const a = u8View(o1, bytes), b = u8View(o2, bytes);
  let first = -1;
  for (let i = 0; i < bytes && first < 0; i++) if (a[i] !== b[i]) first = i;
  free(o1); free(o2);
  return first;
}

describe('binary kernels on 2 threads', () => {
  const rng = new Rng(21);
  const scale = put(Float32Array.from({ length: 300 }, () => rng.uniform() - 0.5));
  const thr = alloc(300 * 4);
  u8View(thr, 1200).fill(0);

  it('dense (rows split in tiles of 3), float and bit outputs', () => {
    const M = 64, K = 1000, N = 300;
    const x = put(Float32Array.from({ length: M * K }, () => rng.uniform() - 0.5));
    const w = put(Float32Array.from({ length: K * N }, () => rng.uniform() - 0.5));
    const xb = packRows(x, M, K), wb = packWeights(w, [K, N]);
    for (const output of [{ kind: 'float', scale }, { kind: 'bits', thresholds: thr }] as BinaryOutput[]) {
      expect(both(M * N * 4, (out) => binaryDense(xb, wb, { output, into: out }))).toBe(-1);
    }
  });

  it('conv (images split), int output and bits into a padded buffer', () => {
    const N = 3, H = 14, W = 14, C = 64, OC = 64;
    const x = put(Float32Array.from({ length: N * H * W * C }, () => rng.uniform() - 0.5));
    const w = put(Float32Array.from({ length: 9 * C * OC }, () => rng.uniform() - 0.5));
    const xb = packActivations(x, [N, H, W, C], { pad: samePad(H, W, 3, 3) }), wb = packWeights(w, [3, 3, C, OC]);
    expect(both(N * H * W * OC * 4, (out) => binaryConv2d(xb, wb, { padValue: 0, into: out }))).toBe(-1);
    const next1 = allocPacked(N, H, W, OC, samePad(H, W, 3, 3)), next2 = allocPacked(N, H, W, OC, samePad(H, W, 3, 3));
    setThreads(1);
    binaryConv2d(xb, wb, { padValue: 1, output: { kind: 'bits', thresholds: thr }, into: next1 });
    setThreads(2);
    binaryConv2d(xb, wb, { padValue: 1, output: { kind: 'bits', thresholds: thr }, into: next2 });
    const n1 = u8View(next1.ptr, next1.bytes), n2 = u8View(next2.ptr, next2.bytes);
    expect(n2.findIndex((v, i) => v !== n1[i])).toBe(-1);
  });

  it('2-bit dense and conv', () => {
    const grid = (n: number, weights: boolean) => Float32Array.from({ length: n }, () => (weights ? (2 * rng.int(4) - 3) / 3 : rng.int(4) / 3));
    const M = 63, K = 700, N = 130;
    const xd = packRows(put(grid(M * K, false)), M, K, { planes: 2 }), wd = packWeights(put(grid(K * N, true)), [K, N], { planes: 2 });
    expect(both(M * N * 4, (out) => dorefa2Dense(xd, wd, { into: out }))).toBe(-1);
    const NI = 4, H = 9, C = 128, OC = 40;
    const xc = packActivations(put(grid(NI * H * H * C, false)), [NI, H, H, C], { pad: samePad(H, H, 3, 3), planes: 2 });
    const wc = packWeights(put(grid(9 * C * OC, true)), [3, 3, C, OC], { planes: 2 });
    expect(both(NI * H * H * OC * 4, (out) => dorefa2Conv2d(xc, wc, { into: out }))).toBe(-1);
  });
});
