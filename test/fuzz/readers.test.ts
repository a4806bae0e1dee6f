// Issue 14 acceptance 2: property-based fuzzing (fast-check) of the four
// readers of untrusted bytes — packed models (.xnk), training states
// (.xnks), IDX and CIFAR-10 binary batches. Inputs are valid files mutated
// (bit flips, overwritten bytes, truncation, insertion), random bytes, and
// for the two model formats files whose header is edited and whose checksum
// is then recomputed, so that the parser behind the checksum is reached.
// Every input is either read or rejected with a typed XnorkitError that has
// a message; any other exception (TypeError, RangeError, plain Error) fails.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { XnorkitError } from '../../src/errors.js';
import { readIdx } from '../../src/data/idx.js';
import { readCifar10Batch } from '../../src/data/cifar10.js';
import { saveTrainingState, loadTrainingState } from '../../src/nn/checkpoint.js';
import { decodeContainer, encodeContainer } from '../../src/nn/stateContainer.js';
import { exportModel, loadInferenceModel, crc32 } from '../../src/deploy/index.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { smallBnn, syntheticData } from '../hardware/fixtures.js';
import { memoryStats } from '../../src/wasm/memory.js';

const RUNS = 1000;
const counts: Record<string, { accepted: number; rejected: number }> = {};

/** Runs `read` on the bytes: accepted, or rejected with an XnorkitError with a message; anything else is a failure. */
function check(kind: string, read: (b: Uint8Array) => void) {
  return (bytes: Uint8Array) => {
    const c = (counts[kind] ??= { accepted: 0, rejected: 0 });
    try {
      read(bytes);
      c.accepted++;
    } catch (e) {
      if (!(e instanceof XnorkitError) || e.message.length < 10) {
        throw new Error(`${kind}: untyped or empty rejection ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      c.rejected++;
    }
  };
}

/** A mutation of `good`: flips, overwrites, truncation, insertion, or random bytes. */
function mutated(good: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = good.length;
  const flips = fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((fs) => {
    const b = good.slice();
    for (const [i, bit] of fs) b[i] ^= 1 << bit;
    return b;
  });
  const overwrite = fc.tuple(fc.nat({ max: n - 1 }), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, bytes]) => {
    const b = good.slice();
    b.set(bytes.subarray(0, n - at), at);
    return b;
  });
  // Header fields live in the first bytes: overwrite them more often.
  const headerBytes = fc.tuple(fc.nat({ max: Math.min(n - 1, 63) }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => {
    const b = good.slice();
    b.set(bytes.subarray(0, n - at), at);
    return b;
  });
  const truncate = fc.nat({ max: n }).map((k) => good.slice(0, k));
  const insert = fc.tuple(fc.nat({ max: n }), fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([at, bytes]) => {
    const b = new Uint8Array(n + bytes.length);
    b.set(good.subarray(0, at));
    b.set(bytes, at);
    b.set(good.subarray(at), at + bytes.length);
    return b;
  });
  return fc.oneof(flips, overwrite, headerBytes, truncate, insert, fc.uint8Array({ maxLength: 256 }));
}

/** Replaces one node of a JSON value (chosen by index in a walk) with `v`. */
function replaceNode(root: unknown, index: number, v: unknown): unknown {
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (x: unknown) => {
    if (x && typeof x === 'object') {
      for (const [k, child] of Object.entries(x)) {
        nodes.push({ parent: x as Record<string, unknown>, key: Array.isArray(x) ? Number(k) : k });
        walk(child);
      }
    }
  };
  walk(root);
  if (nodes.length === 0) return v;
  const { parent, key } = nodes[index % nodes.length];
  (parent as Record<string | number, unknown>)[key] = v;
  return root;
}

// A JSON value likely to break a reader: wrong types, negative/huge/fractional numbers, nulls, empty containers.
const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', -1, 0, 2 ** 31, 1e300, 0.5, Number.MAX_SAFE_INTEGER, [], {}, 'reflect', true, [-1, 28, 1], [0], [1e9, 1e9, 3]),
  fc.integer({ min: -5, max: 100_000 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const trained = (() => {
  const m = smallBnn(2);
  const opt = new Adam({ learningRate: 1e-3 });
  fit(m, syntheticData(32, [12, 12, 2], 4, 2), { epochs: 1, batchSize: 16, optimizer: opt });
  const state = saveTrainingState(m, opt, { epoch: 1 });
  const packed = exportModel(m);
  m.dispose();
  opt.dispose();
  return { state, packed };
})();

afterAll(() => {
  process.stderr.write(`fuzz cases per reader (accepted / rejected with a typed error): ${JSON.stringify(counts)}\n`);
});

describe('issue 14 acceptance 2: fuzzed readers reject with typed errors only', () => {
  it(`.xnks training states: ${RUNS} mutated files and ${RUNS} edited headers with valid checksums`, () => {
    const before = memoryStats().bytesInUse;
    const load = check('xnks', (b) => {
      const st = loadTrainingState(b);
      st.model.dispose();
      st.optimizer?.dispose();
    });
    fc.assert(fc.property(mutated(trained.state), load), { numRuns: RUNS, seed: 14 });
    const { header, dataBytes } = decodeContainer(trained.state);
    const data = new Float32Array(trained.state.slice(trained.state.length - 4 - dataBytes, trained.state.length - 4).buffer);
    const edited = fc.tuple(fc.nat(), nastyJson).map(([i, v]) => encodeContainer(replaceNode(structuredClone(header), i, v), [data]));
    fc.assert(fc.property(edited, check('xnks-header', (b) => {
      const st = loadTrainingState(b);
      st.model.dispose();
      st.optimizer?.dispose();
    })), { numRuns: RUNS, seed: 15 });
    expect(counts.xnks.accepted + counts.xnks.rejected).toBeGreaterThanOrEqual(RUNS);
    expect(counts['xnks-header'].rejected).toBeGreaterThan(RUNS / 4);
    // Rejections free what they allocated.
    expect(memoryStats().bytesInUse).toBe(before);
  }, 600_000);

  it(`.xnk packed models: ${RUNS} mutated files and ${RUNS} mutated bodies with recomputed checksums`, () => {
    const run = (b: Uint8Array) => {
      const m = loadInferenceModel(b);
      try {
        m.run(new Float32Array(12 * 12 * 2));
      } finally {
        m.dispose();
      }
    };
    fc.assert(fc.property(mutated(trained.packed), check('xnk', run)), { numRuns: RUNS, seed: 16 });
    // The CRC-32 covers bytes 20.. and sits at 16: recomputing it sends the mutation past the checksum.
    const resealed = mutated(trained.packed).filter((b) => b.length >= 20).map((b) => {
      const out = b.slice();
      new DataView(out.buffer).setUint32(16, crc32(out.subarray(20)), true);
      return out;
    });
    fc.assert(fc.property(resealed, check('xnk-resealed', run)), { numRuns: RUNS, seed: 17 });
    expect(counts.xnk.rejected).toBeGreaterThan(RUNS / 2);
  }, 600_000);

  it(`IDX files (raw and gzip): ${RUNS} mutated files`, () => {
    const good = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 3, ...Array.from({ length: 24 }, (_, i) => i)]);
    const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
    const floats = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0]);
    const arb = fc.oneof(mutated(good), mutated(labels), mutated(floats), mutated(new Uint8Array(gzipSync(good))));
    fc.assert(fc.property(arb, check('idx', (b) => { readIdx(b, 'fuzz.idx'); })), { numRuns: RUNS, seed: 18 });
    expect(counts.idx.accepted).toBeGreaterThan(0);
    expect(counts.idx.rejected).toBeGreaterThan(0);
  }, 600_000);

  it(`CIFAR-10 binary batches: ${RUNS} mutated files`, () => {
    const RECORD = 3073;
    const good = new Uint8Array(2 * RECORD);
    good[0] = 3;
    good[RECORD] = 9;
    for (let i = 1; i < RECORD; i++) good[i] = good[RECORD + i] = i & 0xff;
    fc.assert(fc.property(mutated(good), check('cifar10', (b) => { readCifar10Batch(b, 'fuzz.bin'); })), { numRuns: RUNS, seed: 19 });
    expect(counts.cifar10.accepted).toBeGreaterThan(0);
    expect(counts.cifar10.rejected).toBeGreaterThan(0);
  }, 600_000);
});
