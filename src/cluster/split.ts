// A study split into independent jobs, in a fixed order: first one training
// run per train level, then, per model and level, the chips in slices of
// `chipsPerJob`. Job ids name their place in the study (no ':' — BullMQ
// reserves it), so a retried or re-enqueued job has the same id and its
// result the same key.
import { ConfigError } from '../errors.js';
import { shortHash, studyId, type ChipsJob, type ModelStore, type RobustnessStudy, type TrainJob, type TrainingRecipe } from './spec.js';

export interface StudyJobs {
  study: string;
  train: TrainJob[];
  /** chips[m]: the chip jobs of model m (train level m), level by level, chip slice by chip slice. */
  chips: ChipsJob[][];
}

export function trainingRecipe(s: RobustnessStudy, trainLevel: number): TrainingRecipe {
  return {
    model: s.model, float: s.float, epochs: s.training.epochs, batchSize: s.training.batchSize, lr: s.training.lr,
    lrSchedule: s.training.lrSchedule, seed: s.training.seed, limit: s.training.limit, sweep: s.sweep, trainLevel,
    perturbation: s.perturbation, dataset: s.dataset, dataDir: s.dataDir,
  };
}

export function splitStudy(s: RobustnessStudy, store: ModelStore): StudyJobs {
  if (!Number.isInteger(s.chipsPerJob) || s.chipsPerJob < 1) throw new ConfigError(`chips per job must be a positive integer, got ${s.chipsPerJob}`);
  if (s.trainLevels.length === 0 || s.levels.length === 0) throw new ConfigError('a study needs at least one train level and one level');
  const study = studyId(s);
  const test = { dataset: s.dataset, dataDir: s.dataDir, limit: s.testLimit };
  const train: TrainJob[] = s.trainLevels.map((tl, m) => {
    const recipe = trainingRecipe(s, tl);
    // The data directory is where this machine keeps the files, not part of what is trained.
    return { type: 'train', id: `${study}.train.m${m}`, study, modelKey: shortHash({ ...recipe, dataDir: undefined }), recipe, test, store };
  });
  const chips = train.map((t, m) => {
    const jobs: ChipsJob[] = [];
    s.levels.forEach((levelValue, l) => {
      for (let c = 0; c < s.chips; c += s.chipsPerJob) {
        const n = Math.min(s.chipsPerJob, s.chips - c);
        jobs.push({
          type: 'chips', id: `${study}.chips.m${m}.l${l}.c${c}-${c + n}`, study, modelKey: t.modelKey, model: m, level: l,
          sweep: s.sweep, levelValue, perturbation: s.perturbation, chipSeed: s.chipSeed, firstChip: c, chips: n,
          engine: s.engine, yieldThreshold: s.yieldThreshold, test, store,
        });
      }
    });
    return jobs;
  });
  return { study, train, chips };
}

/** Every job of a study in its fixed order (training first). */
export function allJobs(j: StudyJobs): (TrainJob | ChipsJob)[] {
  return [...j.train, ...j.chips.flat()];
}
