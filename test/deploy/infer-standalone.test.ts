// The standalone inference module (build/xnorkit-infer.wasm): no imports, a
// C-style ABI, no SIMD (its binary GEMMs are the portable ones). It must
// predict exactly what the JS engine (SIMD kernels in build/xnorkit.wasm)
// predicts: instantiated in Node with an empty import object, and translated
// to C by wasm2c, compiled by gcc and run as a native program.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { createModel } from '../../src/nn/models/index.js';
import { loadMnist, mnistPackageDir } from '../../src/data/index.js';
import { Adam } from '../../src/optim/adam.js';
import { fit } from '../../src/train/fit.js';
import { exportModel, loadInferenceModel, type RunResult } from '../../src/deploy/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WASM = join(ROOT, 'build', 'xnorkit-infer.wasm');
const N = 1000;

interface Standalone {
  alloc(n: number): number;
  load_model(p: number, n: number): number;
  error_record(): number;
  max_batch(): number;
  input_ptr(): number;
  output_ptr(): number;
  classes_ptr(): number;
  num_outputs(): number;
  predict(n: number): number;
  memory: WebAssembly.Memory;
}

function instantiate(): Standalone {
  const module = new WebAssembly.Module(readFileSync(WASM));
  expect(WebAssembly.Module.imports(module)).toEqual([]);
  return new WebAssembly.Instance(module, {}).exports as unknown as Standalone;
}

function load(m: Standalone, bytes: Uint8Array): number {
  const p = m.alloc(bytes.length);
  new Uint8Array(m.memory.buffer, p, bytes.length).set(bytes);
  return m.load_model(p, bytes.length);
}

let model: Uint8Array;
let images: Float32Array;
let js: RunResult;

beforeAll(() => {
  const net = createModel('larq-mnist', { seed: 2 });
  fit(net, loadMnist({ split: 'train', limit: 2048 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 2 });
  model = exportModel(net);
  images = loadMnist({ split: 'test', limit: N }).images;
  const plan = loadInferenceModel(model);
  js = plan.run(images);
  plan.dispose();
});

describe('standalone module in Node', () => {
  it('has no imports and predicts exactly what the JS engine predicts on 1000 MNIST test images', () => {
    const m = instantiate();
    expect(load(m, model)).toBe(0);
    const B = m.max_batch(), K = m.num_outputs();
    expect(K).toBe(10);
    const classes = new Int32Array(N);
    const logits = new Float32Array(N * K);
    for (let i = 0; i < N; i += B) {
      const n = Math.min(B, N - i);
      new Float32Array(m.memory.buffer, m.input_ptr(), n * 784).set(images.subarray(i * 784, (i + n) * 784));
      expect(m.predict(n)).toBe(0);
      classes.set(new Int32Array(m.memory.buffer, m.classes_ptr(), n), i);
      logits.set(new Float32Array(m.memory.buffer, m.output_ptr(), n * K), i * K);
    }
    expect(Array.from(classes)).toEqual(Array.from(js.predictions));
    expect(Buffer.from(logits.buffer).equals(Buffer.from(js.logits.buffer))).toBe(true);
    expect(new Set(classes).size).toBeGreaterThanOrEqual(8);
  });

  it('returns error codes for bad files and refuses to predict without a model', () => {
    const m = instantiate();
    expect(m.predict(1)).toBe(-10);
    expect(load(m, model.subarray(0, model.length - 9))).toBe(-1);
    const magic = model.slice();
    magic[1] = 0x59;
    expect(load(m, magic)).toBe(-2);
    const newer = model.slice();
    new DataView(newer.buffer).setUint32(8, 3, true);
    expect(load(m, newer)).toBe(-3);
    const flipped = model.slice();
    flipped[flipped.length - 40] ^= 0x10;
    expect(load(m, flipped)).toBe(-4);
    expect(load(m, model)).toBe(0);
    expect(m.predict(m.max_batch() + 1)).toBe(-10);
  });
});

// wasm2c's runtime sources: the Debian package puts them in /usr/share/wabt/wasm2c.
function wasm2cRuntime(): string | null {
  for (const d of ['/usr/share/wabt/wasm2c', '/usr/local/share/wabt/wasm2c', '/usr/src/wasm2c']) {
    if (existsSync(join(d, 'wasm-rt-impl.c'))) return d;
  }
  return null;
}

const tools = ['wasm2c', 'gcc'].filter((t) => spawnSync(t, ['--version']).status !== 0);
const runtime = wasm2cRuntime();
const skip = tools.length > 0 || !runtime;
if (skip) {
  console.warn(`infer-standalone: SKIPPING the wasm2c/gcc test: ${tools.length ? `missing ${tools.join(', ')}` : 'no wasm-rt-impl.c found'} (Debian: apt-get install wabt gcc)`);
}

/** Runs the native program on `file` and the first n MNIST test images; expects the JS engine's classes and logits bit for bit. */
function expectNative(file: Uint8Array, expected: RunResult, n: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'xnorkit-wasm2c-'));
  try {
    execFileSync('wasm2c', [WASM, '-n', 'infer', '-o', join(dir, 'infer.c')]);
    const exe = join(dir, 'infer-native');
    execFileSync('gcc', ['-O2', '-o', exe, '-I', dir, '-I', runtime!, join(ROOT, 'test', 'deploy', 'infer-native.c'), join(dir, 'infer.c'),
      join(runtime!, 'wasm-rt-impl.c'), '-lm']);
    writeFileSync(join(dir, 'model.xnk'), file);
    const idx = join(mnistPackageDir(), 't10k-images-idx3-ubyte');
    const out = execFileSync(exe, [join(dir, 'model.xnk'), idx, String(n)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(n);
    const classes = lines.map((l) => Number(l.split(' ')[0]));
    expect(classes).toEqual(Array.from(expected.predictions));
    const bits = new Uint32Array(expected.logits.buffer);
    const hex = lines.flatMap((l) => l.split(' ').slice(1));
    expect(hex).toEqual(Array.from(bits, (b) => b.toString(16).padStart(8, '0')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(skip)('standalone module through wasm2c + gcc', () => {
  it('the native program predicts exactly what the JS engine predicts on 1000 MNIST test images', () => {
    expectNative(model, js, N);
  });

  it('and runs a graph file (birealnet-small, format version 2) as the JS engine does, on 200 images', () => {
    const net = createModel('birealnet-small', { seed: 3 });
    fit(net, loadMnist({ split: 'train', limit: 256 }), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet', seed: 3 });
    const file = exportModel(net);
    const plan = loadInferenceModel(file);
    const expected = plan.run(images.subarray(0, 200 * 784));
    plan.dispose();
    expectNative(file, expected, 200);
  }, 120_000);
});


