// `xnorkit experiment`: the user's whole sequence in one run — data, float
// twin (train, evaluate), quantized model (train, evaluate), comparison
// (accuracy, parameters, memory, file size, inference speed, training time),
// hardware non-idealities — with results.json and the report rewritten after
// every step, so that an interrupted run leaves a report of what finished.
import { loadavg } from 'node:os';
import { setThreads } from '../wasm/threads.js';
import { setXnorKernels, xnorKernelsEnabled } from '../nn/layers/xnorPath.js';
import { loadDataset } from '../data/loadDataset.js';
import { take, type Dataset } from '../data/dataset.js';
import { createModelByName } from '../nn/models/index.js';
import type { Model } from '../nn/model.js';
import { summary } from '../nn/summary.js';
import { evaluate } from '../train/fit.js';
import type { Verbosity } from '../train/progress.js';
import { machineInfo } from '../util/machine.js';
import { writeJsonAtomic } from '../util/files.js';
import { writeReport } from '../report/index.js';
import type { ExperimentResults, ModelResult } from '../report/schema.js';
import type { ExperimentConfig } from './config.js';
import { trainModel } from './trainModel.js';
import { measureSpeeds } from './speed.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadInferenceModel } from '../deploy/index.js';
import { weightsFileSize, packedSizeEstimate, exportedFileSize } from './size.js';
import { runHardware, emptyHardware, type HardwareJob, type HardwareRemote } from './hardware.js';
import { startExperimentOnQueue, type ExperimentQueueOptions } from '../cluster/experiment.js';
import { runPlan, emptyPlan } from './plan.js';
import { join } from 'node:path';

export interface RunOptions {
  /** Polled between training steps and chips; set it to stop after the current one. */
  signal?: AbortSignal;
  verbose?: Verbosity;
  log?: (line: string) => void;
  /** Train and sweep as jobs on a BullMQ queue (src/cluster) instead of here; the results are the same. */
  queue?: ExperimentQueueOptions;
}

/** What the report says this run left out compared with the full Larq-tutorial run. */
export function describeCuts(c: ExperimentConfig, trainAll: number, testAll: number, trainUsed: number, testUsed: number): string[] {
  const cuts: string[] = [];
  if (trainUsed < trainAll) cuts.push(`models trained on the first ${trainUsed.toLocaleString('en-US')} of the ${trainAll.toLocaleString('en-US')} training images`);
  if (c.train.epochs < 6) cuts.push(`${c.train.epochs} epoch${c.train.epochs === 1 ? '' : 's'} instead of the Larq tutorial's 6`);
  if (c.train.batchSize !== 64) cuts.push(`batch ${c.train.batchSize} instead of the tutorial's 64`);
  if (testUsed < testAll) cuts.push(`test accuracy on the first ${testUsed.toLocaleString('en-US')} of ${testAll.toLocaleString('en-US')} test images`);
  if (c.hardware.enabled) {
    const hwTest = Math.min(c.hardware.testLimit ?? testUsed, testUsed);
    if (c.preset !== 'full') {
      cuts.push(`hardware sweeps on ${hwTest.toLocaleString('en-US')} test images with ${c.hardware.chips} simulated chips per point` +
        ` and ${c.hardware.noise.levels.length}/${c.hardware.variation.levels.length}/${c.hardware.saturation.levels.length} noise/variation/saturation levels` +
        ` (--preset full: all test images, 50 chips, finer levels)`);
    }
  }
  return cuts;
}

export function trainingLabel(c: ExperimentConfig): string {
  return `Adam, learning rate ${c.train.learningRate}` + (c.train.schedule === 'cosine'
    ? ' with cosine decay to 0 over the run (the Larq tutorial keeps it constant; see --lr-schedule)' : ', constant (as in the Larq tutorial)');
}

function quantizationLabel(c: ExperimentConfig): string {
  return c.bits ? `DoReFa ${c.bits}-bit weights and activations` : 'binary: ste_sign inputs and kernels, weight_clip (as in the Larq tutorial)';
}

function emptyModel(name: string, kind: string, m: Model): ModelResult {
  const s = summary(m).totals;
  return {
    name, kind, test_accuracy: null, test_loss: null, params: s.total_params, summary_memory_kib: s.memory_kib,
    file_size_bytes: null, file_size_source: 'not measured', model_file: null, state_file: null, latency_ms_batch1: null,
    samples_per_second_batch256: null, speed_engine: null, train_seconds: null, train_samples_per_second: null, epochs: [], trace: [],
  };
}

export async function runExperiment(c: ExperimentConfig, o: RunOptions = {}): Promise<ExperimentResults> {
  if (!o.queue) return runPipeline(c, o, undefined);
  const remote = await startExperimentOnQueue(c, o.queue, { signal: o.signal, log: o.log });
  try {
    return await runPipeline(c, o, remote);
  } finally {
    await remote.close();
  }
}

async function runPipeline(c: ExperimentConfig, o: RunOptions, remote: HardwareRemote | undefined): Promise<ExperimentResults> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const verbose = o.verbose ?? 'auto';
  const signal = o.signal;
  const dir = c.out;
  const t0 = performance.now();
  setThreads(c.threads);
  writeJsonAtomic(join(dir, 'config.json'), c);

  const r: ExperimentResults = {
    format: 'xnorkit-experiment', version: 1, status: 'running', interrupted: false, preset: c.preset, quick: c.preset === 'quick', cuts: [],
    dataset: c.dataset, train_samples: 0, test_samples: 0, model: c.model, quantization: quantizationLabel(c), seed: c.seed,
    float: null, binary: null, comparison: { accuracy_drop: null, size_ratio: null, speedup_batch1: null, speedup_batch256: null },
    hardware: null, steps: [], seconds: 0, started: new Date().toISOString(), finished: null,
    machine: { ...machineInfo(), loadavg: loadavg(), threads: c.threads }, config: c as unknown as Record<string, unknown>,
  };
  const step = (name: string, seconds: number) => {
    r.steps.push({ name, seconds });
    log(`[${name}] ${seconds.toFixed(1)} s`);
  };
  const timed = <T>(name: string, fn: () => T): T => {
    const s = performance.now();
    const v = fn();
    step(name, (performance.now() - s) / 1000);
    return v;
  };
  const save = async (status: ExperimentResults['status']) => {
    r.status = status;
    r.interrupted = status === 'interrupted';
    r.seconds = (performance.now() - t0) / 1000;
    if (status !== 'running') r.finished = new Date().toISOString();
    await writeReport(dir, r);
  };
  const stopped = async () => {
    if (!signal?.aborted) return false;
    log('interrupted: writing the report of what finished');
    await save('interrupted');
    return true;
  };

  // 1. data
  const { train, test } = timed('data', () => {
    const trainAll = loadDataset(c.dataset, { split: 'train', dataDir: c.dataDir ?? undefined });
    const testAll = loadDataset(c.dataset, { split: 'test', dataDir: c.dataDir ?? undefined });
    const tr: Dataset = c.train.limit ? take(trainAll, c.train.limit) : trainAll;
    const te: Dataset = c.test.limit ? take(testAll, c.test.limit) : testAll;
    r.cuts = describeCuts(c, trainAll.count, testAll.count, tr.count, te.count);
    r.quick ||= tr.count < trainAll.count || te.count < testAll.count || c.train.epochs < 6;
    return { train: tr, test: te };
  });
  r.train_samples = train.count;
  r.test_samples = test.count;
  log(`${c.dataset}: ${train.count} training and ${test.count} test samples; ${c.preset} preset${r.quick ? ' (quick run: ' + r.cuts.join('; ') + ')' : ''}`);
  const shape: [number, number, number] = [train.height, train.width, train.channels];
  const build = (float: boolean) => createModelByName(c.model, {
    float, seed: c.seed, inputShape: shape, numClasses: train.numClasses,
    ...(float ? { floatActivation: c.floatActivation } : c.bits ? { bits: c.bits } : {}),
  });

  // 2-3. float twin, then the quantized model: train, evaluate
  const models: { float?: Model; binary?: Model } = {};
  for (const role of ['float', 'binary'] as const) {
    const model = build(role === 'float');
    models[role] = model;
    const m = emptyModel(`${c.model} (${role === 'float' ? 'float twin' : 'quantized'})`,
      role === 'float' ? `float32 (no quantizers; ${c.floatActivation} where the quantized model binarizes an input)` : quantizationLabel(c), model);
    m.training = `${c.train.epochs} epochs, batch ${c.train.batchSize}, ${trainingLabel(c)}`;
    r[role] = m;
    log(`training the ${role} model: ${c.train.epochs} epochs, batch ${c.train.batchSize}, ${trainingLabel(c)}`);
    const ts = performance.now();
    const out = remote ? await remote.train(`${role}.xnks`, model, dir) : trainModel({
      model, data: train, epochs: c.train.epochs, batchSize: c.train.batchSize, learningRate: c.train.learningRate, schedule: c.train.schedule, seed: c.seed,
      dir, stateFile: `${role}.xnks`, signal, verbose, extra: { role, config: c },
    });
    out.optimizer.dispose();
    m.epochs = out.history.epochs;
    m.trace = out.trace;
    m.state_file = out.history.epochs.length > 0 ? `${role}.xnks` : null;
    if (out.history.interrupted) {
      await stopped();
      return r;
    }
    step(`${role}: train`, (performance.now() - ts) / 1000);
    m.train_seconds = out.history.train_seconds;
    m.train_samples_per_second = (train.count * out.history.epochs.length) / out.history.train_seconds;
    const ev = timed(`${role}: evaluate`, () => evaluate(model, test, { batchSize: 256, verbose }));
    m.test_accuracy = ev.accuracy;
    m.test_loss = ev.loss;
    log(`${role} model: test accuracy ${(100 * ev.accuracy).toFixed(2)} % on ${test.count} images`);
    await save('running');
    if (await stopped()) return r;
  }
  const float = r.float!;
  const binary = r.binary!;
  r.comparison.accuracy_drop = float.test_accuracy! - binary.test_accuracy!;

  // 4. comparison: file sizes and inference speed, both models through the
  // same fused engine (src/deploy) so that the ratio compares the kernels.
  const exported = timed('comparison: export and file sizes', () => {
    const meta = { exportedBy: 'xnorkit experiment', dataset: c.dataset, seed: c.seed };
    const f = exportedFileSize(models.float!, dir, 'float.xnk', meta, () => weightsFileSize(models.float!, dir, 'float-weights.xnks'));
    const b = exportedFileSize(models.binary!, dir, 'binary.xnk', meta, () => packedSizeEstimate(models.binary!));
    for (const [m, s] of [[float, f.size], [binary, b.size]] as const) {
      m.file_size_bytes = s.bytes;
      m.file_size_source = s.source;
      m.model_file = s.file;
    }
    r.comparison.size_ratio = float.file_size_bytes! / binary.file_size_bytes!;
    return { float: f.bytes, binary: b.bytes };
  });
  timed('comparison: inference speed', () => {
    log('measuring inference speed (batch 1 latency, batch 256 throughput; engines alternate run by run)');
    const roles = ['float', 'binary'] as const;
    const engines = roles.map((role) => (exported[role] ? loadInferenceModel(exported[role]!) : null));
    const xnorBefore = xnorKernelsEnabled();
    setXnorKernels(true);
    try {
      // The packed models on the fused engine (the headline figures), and both
      // models layer by layer (model.predict) for reference. Should either
      // model not export, both headline figures are layer by layer: a ratio
      // between two different engines would say little about the kernels.
      if (engines.some((e) => !e)) engines.forEach((e, i) => { e?.dispose(); engines[i] = null; });
      const packed = roles.flatMap((_, i) => (engines[i] ? [(x: Tensor) => engines[i]!.run(x)] : []));
      const layers = roles.map((role) => (x: Tensor) => models[role]!.predict(x, { logits: true }));
      const speeds = measureSpeeds([...packed, ...layers], test, c.speed);
      const layerSpeeds = speeds.slice(packed.length);
      let k = 0;
      roles.forEach((role, i) => {
        const m = r[role]!;
        const xnor = role === 'binary' && !c.bits;
        const s = engines[i] ? speeds[k++] : layerSpeeds[i];
        m.latency_ms_batch1 = s.latency_ms_batch1;
        m.samples_per_second_batch256 = s.samples_per_second_batch256;
        m.speed_engine = engines[i]
          ? `packed model on the fused inference engine (src/deploy)${xnor ? ': XNOR-popcount kernels' : ''}, ${c.threads} thread(s)`
          : `model.predict, layer by layer${xnor ? ' (XNOR-popcount kernels, weights packed at each call)' : ''}, ${c.threads} thread(s)`;
        m.layer_by_layer = { latency_ms_batch1: layerSpeeds[i].latency_ms_batch1, samples_per_second_batch256: layerSpeeds[i].samples_per_second_batch256 };
      });
    } finally {
      setXnorKernels(xnorBefore);
      for (const e of engines) e?.dispose();
    }
  });
  r.comparison.speedup_batch1 = float.latency_ms_batch1! / binary.latency_ms_batch1!;
  r.comparison.speedup_batch256 = binary.samples_per_second_batch256! / float.samples_per_second_batch256!;
  await save('running');
  if (await stopped()) return r;

  // 5. hardware
  if (c.hardware.enabled) {
    const hwTest = c.hardware.testLimit ? take(test, c.hardware.testLimit) : test;
    r.hardware = emptyHardware(c, hwTest.count);
    let lastWrite = 0;
    const job: HardwareJob = {
      config: c, standard: models.binary!, newModel: () => build(false), train, test: hwTest, dir, signal, verbose, log, step,
      onUpdate: () => {
        // The JSON after points (cheap); report and charts after each sweep.
        r.seconds = (performance.now() - t0) / 1000;
        if (performance.now() - lastWrite > 2000) {
          writeJsonAtomic(join(dir, 'results.json'), r);
          lastWrite = performance.now();
        }
      },
      onSweepDone: () => save('running'), remote,
    };
    let finished = await runHardware(job, r.hardware);
    // 6. the user's three scenarios ("Your plan, step by step"), in this process (also with --queue)
    if (finished && c.hardware.plan.enabled) {
      r.plan = emptyPlan(r.hardware, c.hardware.chips);
      finished = await runPlan(job, r.hardware, r.plan);
    }
    if (!finished) {
      await stopped();
      return r;
    }
  }
  models.float!.dispose();
  models.binary!.dispose();
  await save('complete');
  log(`wrote ${join(dir, 'report.html')}, report.md and results.json in ${r.seconds.toFixed(0)} s`);
  return r;
}
