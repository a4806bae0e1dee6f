// Job results -> the results.json of `xnorkit robustness`. Per point, the
// chip slices are concatenated in chip order and summarised by the same
// chipStats as a single-process sweep, so the merged numbers are those of
// one process bit for bit (only timings differ). Shard files written by
// `--shard K/N` merge the same way.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chipStats } from '../hardware/stats.js';
import type { SweepPoint } from '../hardware/sweeps.js';
import { machineInfo } from '../util/machine.js';
import { ClusterError } from '../errors.js';
import type { ChipsResult, JobResult, RobustnessStudy, TrainResult } from './spec.js';
import type { StudyJobs } from './split.js';

export interface MergedStudy {
  results: Record<string, unknown>;
  /** Jobs without a result. */
  missing: string[];
}

export interface MergeInfo {
  /** Where each model (by index) is stored. */
  modelFiles: string[];
  seconds?: number;
  interrupted?: boolean;
  /** How the run was distributed (queue URL without password, shards, ...). */
  distributed: Record<string, unknown>;
}

/** One sweep point from its chip slices, in chip order: the fields and statistics of runSweep's points. */
export function sweepPoint(level: number, trainLevel: number | null, done: ChipsResult[], yieldThreshold: number): SweepPoint {
  const accuracies = done.flatMap((r) => r.accuracies);
  const clean = done[0].clean_accuracy;
  if (done.some((r) => r.clean_accuracy !== clean)) {
    throw new ClusterError(`point (train ${trainLevel}, level ${level}): chip jobs disagree on the clean accuracy — workers run different xnorkit versions or data`);
  }
  const st = chipStats(accuracies, yieldThreshold);
  return {
    level, train_level: trainLevel, mean: st.mean, std: st.std, p5: st.p5, yield: st.yield, ci95: st.ci95,
    clean_accuracy: clean, chips: st.chips, min: st.min, max: st.max, accuracies, seconds: done.reduce((a, r) => a + r.seconds, 0),
  };
}

/** The same fields, in the same order, as `xnorkit robustness` writes. */
export function buildResults(s: RobustnessStudy, jobs: StudyJobs, got: ReadonlyMap<string, JobResult>, info: MergeInfo): MergedStudy {
  const missing: string[] = [];
  const models: unknown[] = [];
  const points: SweepPoint[] = [];
  let testSamples: number | null = null;
  jobs.train.forEach((t, m) => {
    const tr = got.get(t.id) as TrainResult | undefined;
    if (!tr) missing.push(t.id);
    const trainLevel = s.trainLevels[m];
    if (tr) models.push({ train_level: trainLevel, weights: info.modelFiles[m], trained_now: true, train_seconds: tr.train_seconds, clean_accuracy: tr.clean_accuracy });
    s.levels.forEach((level, l) => {
      const slices = jobs.chips[m].filter((j) => j.level === l);
      const rs = slices.map((j) => got.get(j.id) as ChipsResult | undefined);
      slices.forEach((j, i) => { if (!rs[i]) missing.push(j.id); });
      if (!tr || rs.some((r) => !r)) return;
      const done = rs as ChipsResult[];
      testSamples = done[0].samples;
      points.push(sweepPoint(level, trainLevel, done, s.yieldThreshold));
    });
  });
  const results: Record<string, unknown> = {
    sweep: s.sweep, model: s.model, float: s.float, dataset: s.dataset, test_samples: testSamples, levels: s.levels, chips: s.chips, chip_seed: s.chipSeed,
    engine: s.engine, yield_threshold: s.yieldThreshold, perturbation: s.perturbation,
    training: { epochs: s.training.epochs, batch_size: s.training.batchSize, lr: s.training.lr, lr_schedule: s.training.lrSchedule, seed: s.training.seed, limit: s.training.limit },
    models, points, machine: machineInfo(), date: new Date().toISOString(), interrupted: info.interrupted ?? missing.length > 0,
    seconds: info.seconds ?? null,
    distributed: { study: jobs.study, jobs: jobs.train.length + jobs.chips.flat().length, chips_per_job: s.chipsPerJob, ...info.distributed },
  };
  return { results, missing };
}

export interface ShardFile {
  format: 'xnorkit-shard';
  version: 1;
  study_id: string;
  study: RobustnessStudy;
  shard: { index: number; count: number };
  /** Where the models used by this shard were (index -> location). */
  model_files: string[];
  jobs: Record<string, JobResult>;
  complete: boolean;
}

export function readShard(dirOrFile: string): ShardFile {
  const file = existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, 'shard.json') : dirOrFile;
  let f: ShardFile;
  try {
    f = JSON.parse(readFileSync(file, 'utf8')) as ShardFile;
  } catch (e) {
    throw new ClusterError(`cannot read shard ${file}: ${(e as Error).message}`);
  }
  if (f?.format !== 'xnorkit-shard' || f.version !== 1) throw new ClusterError(`${file} is not a shard written by \`xnorkit robustness --shard K/N\``);
  return f;
}

/** Shard files of one study -> the study and the union of their job results. */
export function unionShards(shards: ShardFile[]): { study: RobustnessStudy; results: Map<string, JobResult>; modelFiles: string[]; shards: number[] } {
  if (shards.length === 0) throw new ClusterError('merge: no shards given');
  const id = shards[0].study_id;
  for (const s of shards) {
    if (s.study_id !== id) throw new ClusterError(`merge: shards of different studies (${id} and ${s.study_id}); every shard must be run with the same options`);
  }
  const results = new Map<string, JobResult>();
  for (const s of shards) for (const [k, v] of Object.entries(s.jobs)) if (!results.has(k)) results.set(k, v);
  return { study: shards[0].study, results, modelFiles: shards[0].model_files, shards: shards.map((s) => s.shard.index).sort((a, b) => a - b) };
}
