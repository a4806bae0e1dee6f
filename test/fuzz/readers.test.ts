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
import { Model } from '../../src/nn/model.js';
import { input } from '../../src/nn/symbolic.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { AveragePooling2D } from '../../src/nn/layers/averagePooling2D.js';
import { GlobalAveragePooling2D } from '../../src/nn/layers/globalAveragePooling2D.js';
import { ZeroPadding2D } from '../../src/nn/layers/zeroPadding2D.js';
import { PReLU } from '../../src/nn/layers/pReLU.js';
import { Add } from '../../src/nn/layers/add.js';
import { Concatenate } from '../../src/nn/layers/concatenate.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { readHeader } from '../../src/deploy/index.js';
import { loadModel } from '../../src/infer/index.js';

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

/** A small graph-form (version 2) file: residual add, concatenation, pools, padding, PReLU, depthwise, binary convs. */
const graphFile = (() => {
  const img = input({ shape: [12, 12, 2] });
  const x = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(img);
  const b = new BatchNormalization().apply(new QuantConv2D({ filters: 8, kernelSize: 3, padding: 'same', inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign' }).apply(x));
  const y = new PReLU({ sharedAxes: [1, 2] }).apply(new Add().apply([b, x]));
  const s = new AveragePooling2D({ poolSize: 2 }).apply(new QuantConv2D({ filters: 5, kernelSize: 1, strides: 2, inputQuantizer: 'ste_sign', kernelQuantizer: 'ste_sign' }).apply(y));
  const c = new Concatenate().apply([s, new AveragePooling2D({ poolSize: 4 }).apply(y)]);
  const d = new QuantDepthwiseConv2D({ kernelSize: 3, strides: 2 }).apply(new ZeroPadding2D({ padding: 1 }).apply(c));
  const m = new Model({ inputs: img, outputs: new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(d)), seed: 3 });
  const bytes = exportModel(m);
  m.dispose();
  return bytes;
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

  it(`.xnk graph-form models: ${RUNS} mutated files, ${RUNS} resealed mutations, ${RUNS} rewired inputs (JS engine and standalone module)`, async () => {
    expect(readHeader(graphFile).version).toBe(2);
    const run = (b: Uint8Array) => {
      const m = loadInferenceModel(b);
      try {
        m.run(new Float32Array(2 * 12 * 12 * 2));
      } finally {
        m.dispose();
      }
    };
    run(graphFile); // creates the engine's reusable workspace block (it grows with accepted files, never multiplies)
    const before = memoryStats().liveBlocks;
    fc.assert(fc.property(mutated(graphFile), check('xnk-graph', run)), { numRuns: RUNS, seed: 20 });
    const reseal = (b: Uint8Array) => {
      const out = b.slice();
      new DataView(out.buffer).setUint32(16, crc32(out.subarray(20)), true);
      return out;
    };
    fc.assert(fc.property(mutated(graphFile).filter((b) => b.length >= 20).map(reseal), check('xnk-graph-resealed', run)), { numRuns: RUNS, seed: 21 });
    // the graph itself: a record's input count or one of its inputs set to an arbitrary (mostly small) number
    const records = readHeader(graphFile).records;
    const rewired = fc.tuple(fc.nat({ max: records.length - 1 }), fc.nat({ max: 2 }), fc.oneof(fc.nat({ max: records.length + 2 }), fc.nat()))
      .map(([r, slot, v]) => {
        const b = graphFile.slice();
        new DataView(b.buffer).setUint32(records[r].offset + 8 + 4 * slot, v, true);
        return reseal(b);
      });
    const cases: Uint8Array[] = [];
    fc.assert(fc.property(rewired, (b) => {
      cases.push(b);
      check('xnk-graph-rewired', run)(b);
    }), { numRuns: RUNS, seed: 22 });
    expect(counts['xnk-graph'].rejected).toBeGreaterThan(RUNS / 2);
    expect(counts['xnk-graph-rewired'].rejected).toBeGreaterThan(RUNS / 4);
    // rejections and disposals free every plan and file copy they allocated
    expect(memoryStats().liveBlocks).toBe(before);
    // the standalone module reads the same rewired files: a status, never a trap
    const standalone = counts['xnk-graph-standalone'] = { accepted: 0, rejected: 0 };
    for (const b of cases.slice(0, 300)) {
      try {
        (await loadModel(b)).predict(new Float32Array(12 * 12 * 2));
        standalone.accepted++;
      } catch (e) {
        if (!(e instanceof XnorkitError)) throw e;
        standalone.rejected++;
      }
    }
    expect(standalone.rejected).toBeGreaterThan(0);
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
