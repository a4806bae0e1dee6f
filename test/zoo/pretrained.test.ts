// The model zoo in data/models: every file matches the manifest's sha256 and
// size, every model is re-evaluated on its whole test split and must give the
// manifest's accuracy exactly (packed model on the fused engine, training
// state on the autograd forward), and the CLI and library find models by name.
// Fashion-MNIST models are skipped when the Debian dataset is not installed.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZOO_DIR, readZooManifest, sha256, loadPretrained, loadPretrainedState, pretrainedFile, zooEntry } from '../../src/zoo/pretrained.js';
import { loadDataset } from '../../src/data/loadDataset.js';
import { mnistPackageDir } from '../../src/data/mnist.js';
import { FASHION_MNIST_SYSTEM_DIR } from '../../src/data/fashionMnist.js';
import { evaluate } from '../../src/train/fit.js';
import { ModelFormatError } from '../../src/errors.js';

const manifest = readZooManifest();
const haveFashion = existsSync(FASHION_MNIST_SYSTEM_DIR);
const available = manifest.models.filter((m) => m.dataset !== 'fashion-mnist' || haveFashion);
if (!haveFashion) console.warn('model zoo: Fashion-MNIST models not re-evaluated (apt-get install dataset-fashion-mnist)');

const tmp = mkdtempSync(join(tmpdir(), 'xnorkit-zoo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('data/models manifest', () => {
  it('lists the zoo the issue asks for, each with its provenance', () => {
    const names = manifest.models.map((m) => m.name);
    // The zoo as built in the session (scripts/build-zoo.ts lists more; see data/models/README.md).
    for (const n of ['mnist-float', 'mnist-binary', 'mnist-4bit', 'mnist-binary-noise-aware', 'fashion-binary']) {
      expect(names).toContain(n);
    }
    for (const m of manifest.models) {
      expect(m.command, m.name).toMatch(/scripts\/build-zoo\.ts/);
      expect(m.commit, m.name).toMatch(/^[0-9a-f]{7,}/);
      expect(m.test_samples, m.name).toBe(10000);
      expect(m.seed).toBeGreaterThanOrEqual(0);
    }
  });

  it('every file matches its sha256 and size; binary packed models are kilobytes', () => {
    for (const m of manifest.models) {
      for (const f of [m.packed, m.state]) {
        if (!f) continue;
        const bytes = readFileSync(join(ZOO_DIR, f.file));
        expect(bytes.length, f.file).toBe(f.bytes);
        expect(sha256(bytes), f.file).toBe(f.sha256);
      }
      if (m.precision === 'binary') expect(m.packed?.bytes, m.name).toBeLessThan(100 * 1024);
    }
  });
});

describe.each(available.map((m) => [m.name]))('pretrained %s', (name) => {
  it('re-measures the manifest accuracies on the whole test split', () => {
    const m = zooEntry(name);
    const test = loadDataset(m.dataset, { split: 'test' });
    expect(m.packed ?? m.state, 'a model needs a packed file or a state').not.toBeNull();
    if (m.packed) {
      const engine = loadPretrained(name);
      const pred = engine.run(test.images).predictions;
      engine.dispose();
      let correct = 0;
      for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) correct++;
      expect(correct / test.count).toBe(m.test_accuracy);
    } else expect(() => loadPretrained(name)).toThrow(/ships no packed model/);
    if (m.state) {
      const st = loadPretrainedState(name);
      expect(evaluate(st.model, test).accuracy).toBe(m.state_test_accuracy);
      if (!m.packed) expect(m.state_test_accuracy).toBe(m.test_accuracy);
      st.model.dispose();
    }
  }, 300_000);
});

function xnorkit(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

describe('models by name', () => {
  it('xnorkit predict --model mnist-binary <MNIST test IDX> --labels <IDX> --json, with no training', () => {
    const dir = mnistPackageDir();
    const r = xnorkit('predict', '--model', 'mnist-binary', join(dir, 't10k-images-idx3-ubyte'), '--labels', join(dir, 't10k-labels-idx1-ubyte'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.predictions.length).toBe(10000);
    expect(json.accuracy).toBe(zooEntry('mnist-binary').test_accuracy);
  }, 120_000);

  it('xnorkit eval --model NAME evaluates the shipped training state (or the packed model)', () => {
    const r = xnorkit('eval', '--model', 'mnist-binary', '--test-limit', '2000', '--threads', '1', '--json', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'training state', dataset: 'mnist', test_samples: 2000 });
    const p = xnorkit('eval', '--model', 'mnist-float', '--test-limit', '500', '--json', '--quiet');
    expect(p.status, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).format).toBe('packed inference model');
    const bad = xnorkit('eval', '--model', 'mnist-binaryy');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/neither a file nor a pretrained model \(pretrained: mnist-float, mnist-binary/);
  }, 120_000);

  it('a damaged zoo file is a ModelFormatError naming the checksum, not a different model', () => {
    const copy = join(tmp, 'models');
    cpSync(ZOO_DIR, copy, { recursive: true });
    const f = join(copy, 'mnist-binary.xnk');
    const bytes = readFileSync(f);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(f, bytes);
    expect(() => loadPretrained('mnist-binary', copy)).toThrow(ModelFormatError);
    expect(() => pretrainedFile('mnist-binary', 'packed', copy)).toThrow(/sha256 [0-9a-f]{64} differs from the manifest/);
    expect(() => loadPretrained('mnist-binary', copy.replace('models', 'nothing'))).toThrow(/no model zoo manifest/);
  });
});
