// Acceptance 4 of issue 5: Monte-Carlo of 100 chips x the 10k MNIST test set
// with binary-weight bit flips, on the XNOR path, timed end to end (packing
// each chip's weights included). The float path runs a few of the same chips
// for comparison and to check that both paths give the same accuracies.
//
//   npx tsx bench/hardware-speed.ts [--weights FILE] [--chips 100] [--rate 1e-3] [--float-chips 5] [--threads N]
import { parseArgs } from 'node:util';
import { loadMnist } from '../src/data/index.js';
import { setThreads } from '../src/wasm/threads.js';
import { machineInfo } from '../src/util/machine.js';
import { writeJsonAtomic } from '../src/util/files.js';
import { readFileSync } from 'node:fs';
import { loadTrainingState } from '../src/nn/checkpoint.js';
import { evaluateOnChips } from '../src/hardware/montecarlo.js';
import { BitFlips } from '../src/hardware/bitflips.js';

const { values: a } = parseArgs({
  options: {
    weights: { type: 'string', default: 'runs/models/larq-mnist-quant-standard-e6-b64-lr0.001-constant-s1.xnks' },
    chips: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1e-3' },
    'float-chips': { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/results/hardware.json' },
    engine: { type: 'string', default: 'xnor' },
  },
});
const threads = Number(a.threads);
setThreads(threads);
// A training state: runs/models/*.xnks as `xnorkit robustness` caches it, or a run's model.xnks.
const model = loadTrainingState(readFileSync(a.weights!)).model;
const test = loadMnist({ split: 'test' });
const rates = a.rate!.split(',').map(Number);
const chips = Number(a.chips);
const floatChips = Number(a['float-chips']);
const seed = Number(a.seed);

const runs: Record<string, unknown>[] = [];
for (const rate of rates) {
  const perturbations = [new BitFlips({ rate })];
  const xnor = evaluateOnChips(model, test, { chips, seed, perturbations, engine: a.engine as 'xnor' | 'deploy', verbose: 'auto', label: `${a.engine} rate ${rate}` });
  const float = floatChips > 0
    ? evaluateOnChips(model, test, { chips: floatChips, seed, perturbations, engine: 'float', verbose: 'auto', label: `float rate ${rate}`, cleanAccuracy: xnor.clean_accuracy })
    : null;
  const same = float ? float.accuracies.every((x, i) => x === xnor.accuracies[i]) : null;
  const r = {
    engine: a.engine, rate, chips, samples: test.count, xnor_seconds: xnor.seconds, xnor_chip_samples_per_second: (chips * test.count) / xnor.seconds,
    packed_layers: xnor.packed_layers, mean: xnor.mean, std: xnor.std, p5: xnor.p5, ci95: xnor.ci95, clean_accuracy: xnor.clean_accuracy,
    float_chips: floatChips, float_seconds: float?.seconds ?? null,
    float_seconds_per_chip: float ? float.seconds / floatChips : null,
    speedup_per_chip: float ? (float.seconds / floatChips) / (xnor.seconds / chips) : null,
    float_equals_xnor_on_common_chips: same,
  };
  runs.push(r);
  process.stderr.write(`rate ${rate}: ${chips} chips x ${test.count} on the ${a.engine} engine in ${xnor.seconds.toFixed(1)} s ` +
    `(mean ${(100 * xnor.mean).toFixed(2)} %, clean ${(100 * xnor.clean_accuracy).toFixed(2)} %)` +
    (float ? `; float path ${(float.seconds / floatChips).toFixed(2)} s/chip vs ${(xnor.seconds / chips).toFixed(2)} s/chip, same accuracies: ${same}` : '') + '\n');
}
writeJsonAtomic(a.out!, { bench: 'hardware-montecarlo', weights: a.weights, threads, seed, runs, machine: machineInfo(), date: new Date().toISOString() });
process.stderr.write(`wrote ${a.out}\n`);
