// `xnorkit experiment --queue URL`: the experiment's training runs (float
// twin, binarized model, every hardware-aware model) and the chip slices of
// its three sweeps as jobs on the queue. The pipeline itself (evaluation,
// export, speed, report) still runs here, in src/experiment; it asks this
// executor (a HardwareRemote) for each trained model and each sweep. All
// training jobs are enqueued at once, a sweep's chip jobs as soon as its
// models are trained, so the pipeline's steps wait on work done in parallel.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../nn/model.js';
import { loadTrainingState } from '../nn/checkpoint.js';
import type { SweepModel, SweepPoint, SweepResult } from '../hardware/sweeps.js';
import type { History } from '../train/fit.js';
import type { TracePoint } from '../report/schema.js';
import type { ExperimentConfig } from '../experiment/config.js';
import { HW_KINDS, PERTURBATION, chipsFor, type HardwareRemote, type HwKind } from '../experiment/hardware.js';
import type { TrainOutcome } from '../experiment/trainModel.js';
import { ClusterError } from '../errors.js';
import type { Verbosity } from '../train/progress.js';
import { runJobsOnQueue, type QueuedJob } from './coordinator.js';
import { connectRedis } from './connect.js';
import { openStore, type ModelBytes } from './store.js';
import { sweepPoint } from './merge.js';
import { shortHash, type ChipsJob, type ChipsResult, type ExperimentTrainJob, type ExperimentTrainResult, type JobResult, type ModelStore } from './spec.js';

/** How `xnorkit experiment` runs on a queue (not part of the experiment's config: the same config runs either way). */
export interface ExperimentQueueOptions {
  url: string;
  /** 'redis' (default) or a directory every worker mounts. */
  modelStore?: string;
  chipsPerJob?: number;
  attempts?: number;
  resume?: boolean;
}

export interface ExperimentOnQueue extends HardwareRemote {
  /** Stops waiting (removes the waiting jobs) and closes the connections. */
  close(): Promise<void>;
}

interface Plan { study: string; jobs: QueuedJob[]; train: Map<string, ExperimentTrainJob>; sweeps: Map<HwKind, ChipsJob[][]> }

/** Every job of the experiment, keyed by what the pipeline will ask for. */
export function planExperiment(c: ExperimentConfig, store: ModelStore, chipsPerJob: number): Plan {
  // Where the data is, where the run is written and how many threads: not part of the study.
  const { out: _o, threads: _t, dataDir: _d, ...identity } = c;
  const study = shortHash({ experiment: identity, chipsPerJob });
  const config = c as unknown as Record<string, unknown>;
  const training = { model: c.model, seed: c.seed, bits: c.bits, floatActivation: c.floatActivation, dataset: c.dataset, train: c.train };
  const train = new Map<string, ExperimentTrainJob>();
  const addTrain = (stateFile: string, role: ExperimentTrainJob['role'], kind?: HwKind, trainLevel?: number) => {
    const modelKey = shortHash({ experimentModel: training, role, kind, trainLevel, perturbation: kind ? PERTURBATION[kind] : null });
    train.set(stateFile, { type: 'xtrain', id: `${study}.xtrain.${stateFile.replace(/\.xnks$/, '')}`, study, modelKey, config, role, kind, trainLevel, stateFile, store });
  };
  addTrain('float.xnks', 'float');
  addTrain('binary.xnks', 'binary');
  const sweeps = new Map<HwKind, ChipsJob[][]>();
  const jobs: QueuedJob[] = [];
  if (c.hardware.enabled) {
    const test = { dataset: c.dataset, dataDir: c.dataDir, limit: minLimit(c.test.limit, c.hardware.testLimit) };
    for (const kind of HW_KINDS) {
      const sc = c.hardware[kind];
      for (const tl of sc.trainLevels) addTrain(`hw-${kind}-${tl}.xnks`, 'aware', kind, tl);
      const models = [train.get('binary.xnks')!, ...sc.trainLevels.map((tl) => train.get(`hw-${kind}-${tl}.xnks`)!)];
      const chips = chipsFor(kind, c);
      sweeps.set(kind, models.map((t, m) => {
        const slices: ChipsJob[] = [];
        sc.levels.forEach((levelValue, l) => {
          for (let first = 0; first < chips; first += chipsPerJob) {
            const n = Math.min(chipsPerJob, chips - first);
            slices.push({
              type: 'chips', id: `${study}.${kind}.m${m}.l${l}.c${first}-${first + n}`, study, modelKey: t.modelKey, model: m, level: l,
              sweep: kind, levelValue, perturbation: PERTURBATION[kind], chipSeed: c.hardware.chipSeed, firstChip: first, chips: n,
              engine: c.hardware.engine, yieldThreshold: 0.9, test, store,
            });
          }
        });
        return slices;
      }));
      for (const [m, slices] of sweeps.get(kind)!.entries()) for (const s of slices) jobs.push({ spec: s, after: [models[m].id] });
    }
  }
  return { study, jobs: [...[...train.values()].map((t) => ({ spec: t, after: [] })), ...jobs], train, sweeps };
}

function minLimit(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

export async function startExperimentOnQueue(c: ExperimentConfig, q: ExperimentQueueOptions,
  o: { signal?: AbortSignal; log?: (line: string) => void; verbose?: Verbosity } = {}): Promise<ExperimentOnQueue> {
  const storeSpec: ModelStore = !q.modelStore || q.modelStore === 'redis' ? { kind: 'redis' } : { kind: 'dir', path: q.modelStore };
  const plan = planExperiment(c, storeSpec, q.chipsPerJob ?? 10);
  const redis = await connectRedis(q.url);
  const store: ModelBytes = openStore(storeSpec, redis);
  o.log?.(`experiment study ${plan.study}: ${plan.jobs.length} jobs (${plan.train.size} training runs) on the queue`);
  let results: ReadonlyMap<string, JobResult> = new Map();
  const waiters = new Set<() => void>();
  const stop = new AbortController();
  const abort = () => stop.abort();
  o.signal?.addEventListener?.('abort', abort);
  // The pipeline polls its signal between steps; the queue loop polls this one.
  const poll = setInterval(() => { if (o.signal?.aborted) stop.abort(); }, 200);
  let failure: unknown = null;
  let finished = false;
  const run = runJobsOnQueue({
    url: q.url, study: plan.study, description: { experiment: c }, jobs: plan.jobs, resume: q.resume, attempts: q.attempts,
    signal: stop.signal, verbose: 'quiet', log: o.log, label: `experiment ${plan.study}`,
    onResults: (r) => { results = r; for (const w of waiters) w(); },
  }).then((r) => { results = r.results; }, (e: unknown) => { failure = e; }).finally(() => {
    finished = true;
    for (const w of waiters) w();
  });
  /** Resolves with the results of these jobs, or null when the run stopped first. */
  const waitFor = async (ids: string[]): Promise<JobResult[] | null> => {
    for (;;) {
      if (failure) throw failure;
      if (ids.every((id) => results.has(id))) return ids.map((id) => results.get(id)!);
      if (finished || stop.signal.aborted) return null;
      await new Promise<void>((resolve) => {
        const w = () => { waiters.delete(w); resolve(); };
        waiters.add(w);
        setTimeout(w, 500);
      });
    }
  };
  const interruptedHistory: History = { epochs: [], train_seconds: 0, interrupted: true, skipped_batches: 0, warnings: [] };
  return {
    async train(stateFile: string, model: Model, dir: string): Promise<TrainOutcome> {
      const job = plan.train.get(stateFile);
      if (!job) throw new ClusterError(`experiment on the queue: no training job writes ${stateFile}`);
      const got = await waitFor([job.id]);
      if (!got) return { history: interruptedHistory, trace: [], optimizer: { dispose() {} } as TrainOutcome['optimizer'] };
      const r = got[0] as ExperimentTrainResult;
      const bytes = await store.get(job.modelKey);
      if (!bytes) throw new ClusterError(`experiment on the queue: the model of ${job.id} is missing from the model store`);
      writeFileSync(join(dir, stateFile), bytes);
      const state = loadTrainingState(bytes);
      try {
        const byName = new Map(state.model.variables.map((v) => [v.name, v]));
        for (const v of model.variables) {
          const src = byName.get(v.name);
          if (!src || src.size !== v.size) throw new ClusterError(`experiment on the queue: ${stateFile} does not fit the model here (variable ${v.name}); are the workers on the same xnorkit version?`);
          v.value.data.set(src.value.data);
        }
      } finally {
        state.model.dispose();
      }
      return { history: r.history as History, trace: r.trace as TracePoint[], optimizer: state.optimizer ?? ({ dispose() {} } as TrainOutcome['optimizer']) };
    },
    async sweep(kind: HwKind, models: SweepModel[], onPoint: (p: SweepPoint, all: SweepPoint[]) => void): Promise<SweepResult> {
      const slices = plan.sweeps.get(kind);
      if (!slices || slices.length !== models.length) throw new ClusterError(`experiment on the queue: the ${kind} sweep has ${slices?.length ?? 0} models planned, ${models.length} asked`);
      const points: SweepPoint[] = [];
      for (const [m, jobs] of slices.entries()) {
        const got = await waitFor(jobs.map((j) => j.id));
        if (!got) return { sweep: kind, points, interrupted: true };
        const levels = c.hardware[kind].levels;
        for (let l = 0; l < levels.length; l++) {
          const done = jobs.flatMap((j, i) => (j.level === l ? [got[i] as ChipsResult] : []));
          const p = sweepPoint(levels[l], models[m].trainLevel, done, 0.9);
          points.push(p);
          onPoint(p, points);
        }
      }
      return { sweep: kind, points, interrupted: false };
    },
    async close() {
      clearInterval(poll);
      o.signal?.removeEventListener?.('abort', abort);
      stop.abort();
      await run;
      redis.disconnect();
    },
  };
}
