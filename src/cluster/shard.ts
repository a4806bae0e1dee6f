// `--shard K/N` without a queue: shard K runs every N-th chip job of the
// study (and every N-th training job), for SLURM job arrays and Kubernetes
// Indexed Jobs; `xnorkit merge` combines the shard files. A shard that needs
// a model another shard trains loads it from the shared model directory
// when it is there, and otherwise trains it itself: training depends only
// on its recipe, so both give the same weights. shard.json is rewritten
// after every job, and a shard started again skips the jobs it finished.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/files.js';
import { ConfigError, ClusterError } from '../errors.js';
import { JobRunner } from './execute.js';
import { dirStore, memoryStore, type ModelBytes } from './store.js';
import { splitStudy } from './split.js';
import { readShard, type ShardFile } from './merge.js';
import { studyId, type JobResult, type ModelStore, type RobustnessStudy } from './spec.js';

export interface ShardOptions {
  study: RobustnessStudy;
  /** 1-based shard index and shard count. */
  index: number;
  count: number;
  /** Folder of this shard's shard.json. */
  out: string;
  /** A directory shared by the shards for trained models (optional). */
  modelDir?: string;
  /** Run only this shard's training jobs (into modelDir): a first array step, so that the chip shards need not train. */
  trainOnly?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new ConfigError(`--shard expects K/N with 1 <= K <= N (e.g. 2/8), got "${s}"`);
  return { index, count };
}

export async function runShard(o: ShardOptions): Promise<ShardFile> {
  const log = o.log ?? (() => {});
  const store: ModelStore = o.modelDir ? { kind: 'dir', path: o.modelDir } : { kind: 'dir', path: '' };
  const bytes: ModelBytes = o.modelDir ? dirStore(o.modelDir) : memoryStore();
  const jobs = splitStudy(o.study, store);
  const id = studyId(o.study);
  const file = join(o.out, 'shard.json');
  let shard: ShardFile = {
    format: 'xnorkit-shard', version: 1, study_id: id, study: o.study, shard: { index: o.index, count: o.count },
    model_files: jobs.train.map((t) => bytes.where(t.modelKey)), jobs: {}, complete: false,
  };
  if (existsSync(file)) {
    const old = readShard(file);
    if (old.study_id !== id || old.shard.index !== o.index || old.shard.count !== o.count) {
      throw new ClusterError(`${file} holds shard ${old.shard.index}/${old.shard.count} of study ${old.study_id}, not ${o.index}/${o.count} of ${id}: use another --out`);
    }
    shard = { ...old, complete: false };
    log(`shard ${o.index}/${o.count}: ${Object.keys(shard.jobs).length} jobs already done in ${file}`);
  }
  const save = () => writeJsonAtomic(file, shard);
  const runner = new JobRunner(bytes);
  const record = (jobId: string, r: JobResult) => {
    shard.jobs[jobId] = r;
    save();
  };
  const mineTrain = jobs.train.filter((_, m) => m % o.count === o.index - 1);
  if (o.trainOnly && !o.modelDir) throw new ConfigError('--train-only stores the models for the other shards: give the shared directory with --model-store DIR');
  const chips = o.trainOnly ? [] : jobs.chips.flat().filter((_, i) => i % o.count === o.index - 1);
  try {
    const need = new Set([...mineTrain.map((t) => t.id), ...chips.map((c) => jobs.train[c.model].id)]);
    for (const t of jobs.train) {
      if (!need.has(t.id) || shard.jobs[t.id]) continue;
      if (o.signal?.aborted) return shard;
      log(`shard ${o.index}/${o.count}: ${t.id}`);
      record(t.id, await runner.run(t, o.signal));
    }
    let done = 0;
    for (const c of chips) {
      if (o.signal?.aborted) return shard;
      if (!shard.jobs[c.id]) {
        if (!(await runner.model(c.modelKey))) record(jobs.train[c.model].id, await runner.run(jobs.train[c.model], o.signal));
        record(c.id, await runner.run(c, o.signal));
      }
      done++;
      if (done % 10 === 0 || done === chips.length) log(`shard ${o.index}/${o.count}: ${done}/${chips.length} chip jobs`);
    }
    shard.complete = true;
    save();
    return shard;
  } finally {
    runner.dispose();
  }
}
