// Kernel path tuning (src/ops/binary/tune.ts): 'auto' times the candidate
// paths on the caller's operation once per shape class, caches the winner in
// the runtime context, and returns a valid path; forcing a path skips it.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../../src/tensor/random.js';
import { alloc, free, f32View, i32View } from '../../../src/wasm/memory.js';
import { packRows, packWeights, binaryDense } from '../../../src/ops/binary/index.js';
import { tunedPath, choosePath, tunedPaths, CONCRETE_PATHS, type ConcretePath } from '../../../src/ops/binary/tune.js';
import { runtime, withRuntime } from '../../../src/runtime/runtime.js';

const spin = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end); };

describe('binary kernel path tuning', () => {
  it('picks the fastest candidate, once per shape class', () => {
    const calls: ConcretePath[] = [];
    const run = (p: ConcretePath) => { calls.push(p); spin(p === 'v128' ? 0.05 : 0.6); };
    expect(tunedPath('test:fake-a', run)).toBe('v128');
    const n = calls.length;
    expect(n).toBeGreaterThanOrEqual(3 * 6);
    expect(tunedPath('test:fake-a', run)).toBe('v128');
    expect(calls.length).toBe(n); // cached: no more timing
    const t = tunedPaths().get('test:fake-a')!;
    expect(t.ms.v128).toBeLessThan(t.ms.scalar);
    const slowHybrid = (p: ConcretePath) => spin(p === 'scalar' ? 0.05 : 0.6);
    expect(tunedPath('test:fake-b', slowHybrid)).toBe('scalar');
  });

  it('a forced path (option or runtime setting) is used without tuning', () => {
    const never = () => { throw new Error('tuned'); };
    expect(choosePath('hybrid', 'test:forced', never)).toBe('hybrid');
    expect(withRuntime({ binaryPath: 'v128' }, () => choosePath(undefined, 'test:forced', never))).toBe('v128');
  });

  it('auto on a real GEMM: a valid path is cached, results equal every forced path', () => {
    const [M, K, N] = [37, 1000, 19];
    const rng = new Rng(3);
    const xp = alloc(M * K * 4), wp = alloc(K * N * 4);
    f32View(xp, M * K).set(Float32Array.from({ length: M * K }, () => rng.uniform() - 0.5));
    f32View(wp, K * N).set(Float32Array.from({ length: K * N }, () => rng.uniform() - 0.5));
    const xb = packRows(xp, M, K), wb = packWeights(wp, [K, N]);
    const before = new Set(tunedPaths().keys());
    const auto = binaryDense(xb, wb, { path: 'auto' });
    const added = [...tunedPaths()].filter(([k]) => !before.has(k));
    expect(added.length).toBe(1);
    expect(added[0][0]).toMatch(/^dense:/);
    expect(CONCRETE_PATHS).toContain(added[0][1].path);
    for (const p of CONCRETE_PATHS) expect(added[0][1].ms[p]).toBeGreaterThan(0);
    const want = i32View(auto.ptr, M * N).slice();
    for (const path of CONCRETE_PATHS) {
      const r = binaryDense(xb, wb, { path });
      expect(i32View(r.ptr, M * N).slice()).toEqual(want);
      free(r.ptr);
    }
    free(auto.ptr); xb.dispose(); wb.dispose(); free(xp); free(wp);
    expect(runtime().tuning.size).toBeGreaterThan(0);
  });
});
