// The command line of distributed studies (src/cluster): the options that
// `robustness` gains (--queue, --shard, --resume, ...), `xnorkit worker` and
// `xnorkit merge`.
import { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { writeJsonAtomic } from '../../util/files.js';
import { setThreads } from '../../wasm/threads.js';
import type { SweepKind, SweepPerturbationOptions } from '../../hardware/sweeps.js';
import {
  runStudyOnQueue, startWorker, runShard, parseShard, buildResults, readShard, unionShards, splitStudy, queueUrl,
  type RobustnessStudy, type ModelStore,
} from '../../cluster/index.js';
import { positiveInt } from '../options.js';
import type { ExperimentQueueOptions } from '../../cluster/experiment.js';
import { onInterrupt } from '../interrupt.js';
import { UsageError } from '../errors.js';

export interface ClusterCliOptions {
  queue?: string;
  shard?: string;
  resume?: boolean;
  chipsPerJob?: number;
  modelStore?: string;
  attempts?: number;
  trainOnly?: boolean;
}

/** The options `robustness` gains to run as jobs on a queue or as one shard. */
export function addClusterOptions(cmd: Command): Command {
  return cmd
    .option('--queue <url>', 'run as jobs on a BullMQ queue in Redis (redis://HOST:PORT/DB); start workers with `xnorkit worker --queue URL`')
    .option('--shard <K/N>', 'without a queue: run shard K of N of the study into --out (merge the shards with `xnorkit merge`)')
    .option('--resume', 'with --queue: keep the results of an interrupted run of the same study and enqueue only the missing jobs', false)
    .option('--chips-per-job <n>', 'chips per job (the grain of the split; results do not depend on it)', positiveInt, 10)
    .option('--model-store <where>', 'how trained models travel: redis (default with --queue) or a directory all machines share', undefined)
    .option('--attempts <n>', 'with --queue: attempts per job before the run fails', positiveInt, 3)
    .option('--train-only', 'with --shard and --model-store DIR: only train this shard\'s models into DIR (a first step before the chip shards)', false);
}

/** The options `experiment` gains to run its training runs and sweeps as jobs on a queue. */
export function addQueueOptions(cmd: Command): Command {
  return cmd
    .option('--queue <url>', 'train and sweep as jobs on a BullMQ queue in Redis (redis://HOST:PORT/DB); start workers with `xnorkit worker --queue URL`')
    .option('--resume', 'with --queue: reuse the job results of an interrupted run of the same experiment', false)
    .option('--chips-per-job <n>', 'with --queue: chips per job', positiveInt, 10)
    .option('--model-store <where>', 'with --queue: how trained models travel: redis (default) or a directory all machines share')
    .option('--attempts <n>', 'with --queue: attempts per job before the run fails', positiveInt, 3);
}

/** The queue settings of `experiment`, or undefined to run in this process. */
export function experimentQueue(o: ClusterCliOptions): ExperimentQueueOptions | undefined {
  if (!o.queue) {
    if (o.resume) throw new UsageError('--resume continues an experiment on a queue: give --queue too');
    return undefined;
  }
  return { url: queueUrl(o.queue), modelStore: o.modelStore, chipsPerJob: o.chipsPerJob, attempts: o.attempts, resume: o.resume };
}

/** What runRobustness has resolved, plus the options typed. */
export interface DistributedRobustness extends ClusterCliOptions {
  model: string;
  float: boolean;
  weights?: string;
  sweep: SweepKind;
  trainLevels: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: string;
  seed: number;
  limit?: number;
  chips: number;
  chipSeed: number;
  engine: 'float' | 'xnor' | 'deploy';
  yieldThreshold: number;
  testLimit?: number;
  dataDir?: string;
  out?: string;
  threads: number;
  json: boolean;
  quiet: boolean;
}

/** `robustness --queue URL` or `--shard K/N`: the study as jobs; writes results.json like the single-process run. */
export async function runRobustnessDistributed(o: DistributedRobustness, r: { levels: number[]; perturbation: SweepPerturbationOptions; dataset: string }): Promise<Record<string, unknown>> {
  if (o.queue && o.shard) throw new UsageError('--queue and --shard are alternatives: a queue balances jobs itself');
  if (o.weights) throw new UsageError('--weights is not supported with --queue / --shard yet: the study trains its models as jobs');
  if (o.trainOnly && !o.shard) throw new UsageError('--train-only is a step of a sharded study: use it with --shard K/N and --model-store DIR');
  if (o.resume && !o.queue) throw new UsageError('--resume continues a study on a queue (--queue); a shard resumes by itself');
  const log = (s: string) => { if (!o.quiet) process.stderr.write(s + '\n'); };
  const study: RobustnessStudy = {
    kind: 'robustness', model: o.model, float: o.float, sweep: o.sweep, levels: r.levels, trainLevels: o.trainLevels,
    training: { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, lrSchedule: o.lrSchedule, seed: o.seed, limit: o.limit ?? null },
    chips: o.chips, chipSeed: o.chipSeed, engine: o.engine, perturbation: r.perturbation, yieldThreshold: o.yieldThreshold,
    dataset: r.dataset, dataDir: o.dataDir ?? null, testLimit: o.testLimit ?? null, chipsPerJob: o.chipsPerJob ?? 10,
  };
  const base = o.out ?? join('runs', `robustness-${o.model}-${o.sweep}-seed${o.chipSeed}`);
  setThreads(o.threads);
  const controller = new AbortController();
  const release = onInterrupt(() => {
    log('interrupt: stopping (Ctrl-C again to abort at once)');
    controller.abort();
  });
  const t0 = performance.now();
  try {
    if (o.shard) {
      const { index, count } = parseShard(o.shard);
      const out = o.out ?? join(base, `${o.trainOnly ? 'train-' : ''}shard-${index}-of-${count}`);
      writeJsonAtomic(join(out, 'config.json'), { command: 'robustness', ...o, levels: r.levels, dataset: r.dataset, out });
      const f = await runShard({ study, index, count, out, modelDir: o.modelStore, trainOnly: o.trainOnly, signal: controller.signal, log });
      log(`wrote ${join(out, 'shard.json')} (${Object.keys(f.jobs).length} jobs${f.complete ? '' : ', interrupted'}); combine the shards with \`xnorkit merge\``);
      if (!f.complete) process.exitCode = 130;
      return f as unknown as Record<string, unknown>;
    }
    const url = queueUrl(o.queue!);
    const store: ModelStore = !o.modelStore || o.modelStore === 'redis' ? { kind: 'redis' } : { kind: 'dir', path: o.modelStore };
    writeJsonAtomic(join(base, 'config.json'), { command: 'robustness', ...o, levels: r.levels, dataset: r.dataset, out: base });
    const jobs = splitStudy(study, store);
    const write = (results: ReadonlyMap<string, import('../../cluster/index.js').JobResult>, modelFiles: string[], interrupted: boolean) => {
      const m = buildResults(study, jobs, results, {
        modelFiles, interrupted, seconds: (performance.now() - t0) / 1000,
        distributed: { queue: url.replace(/\/\/[^@]*@/, '//***@'), model_store: store.kind === 'dir' ? store.path : 'redis' },
      });
      writeJsonAtomic(join(base, 'results.json'), m.results);
      return m.results;
    };
    let lastWrite = 0;
    const outcome = await runStudyOnQueue({
      url, study, store, resume: o.resume, attempts: o.attempts, signal: controller.signal, verbose: o.quiet ? 'quiet' : 'auto', log,
      onResults: (results) => {
        if (performance.now() - lastWrite < 2000) return;
        lastWrite = performance.now();
        write(results, [], true);
      },
    });
    const results = write(outcome.results, outcome.modelFiles, outcome.interrupted);
    log(`wrote ${join(base, 'results.json')}`);
    if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    if (outcome.interrupted) process.exitCode = 130;
    return results;
  } finally {
    release();
  }
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run jobs of distributed studies from a BullMQ queue (any machine with the data; start and stop workers at will)')
    .requiredOption('--queue <url>', 'the queue\'s Redis (redis://HOST:PORT/DB)')
    .option('--concurrency <n>', 'worker processes on this machine (one job each)', positiveInt, 1)
    .option('--threads <n>', 'kernel threads per worker process', positiveInt, 1)
    .option('--data-dir <dir>', 'where this machine keeps the data sets (default: as the study says, else the usual places)')
    .option('--lock-ms <n>', 'a job whose worker went silent this long is retried elsewhere', positiveInt, 300_000)
    .option('--max-jobs <n>', 'exit after this many jobs (per process)', positiveInt)
    .option('--quiet', 'no log lines', false)
    .action(async (opts: { queue: string; concurrency: number; threads: number; dataDir?: string; lockMs: number; maxJobs?: number; quiet: boolean }) => {
      queueUrl(opts.queue);
      if (opts.concurrency > 1 && !process.env.XNORKIT_WORKER_CHILD) {
        await runChildren(opts.concurrency);
        return;
      }
      setThreads(opts.threads);
      const log = (s: string) => { if (!opts.quiet) process.stderr.write(s + '\n'); };
      const w = await startWorker({ url: opts.queue, lockMs: opts.lockMs, dataDir: opts.dataDir, maxJobs: opts.maxJobs, log });
      let signals = 0;
      const stop = () => {
        if (++signals > 1) process.exit(130);
        log(`${w.name}: finishing the current job, then stopping (again to quit at once; the job is then retried elsewhere)`);
        void w.close();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await w.done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    });
}

/** `--concurrency N`: N copies of this command as child processes (jobs are CPU-bound: one per process). */
async function runChildren(n: number): Promise<void> {
  const children: ChildProcess[] = [];
  const exits: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    const c = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
      stdio: 'inherit', env: { ...process.env, XNORKIT_WORKER_CHILD: '1' },
    });
    children.push(c);
    exits.push(new Promise((resolve) => c.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))));
  }
  // Ctrl-C reaches the children with the terminal's process group; SIGTERM (kill, Kubernetes) must be passed on.
  const forward = () => { for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); };
  const ignore = () => {};
  process.on('SIGTERM', forward);
  process.on('SIGINT', ignore);
  try {
    const codes = await Promise.all(exits);
    process.exitCode = Math.max(0, ...codes.filter((c) => c !== 130));
  } finally {
    process.off('SIGTERM', forward);
    process.off('SIGINT', ignore);
  }
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('combine the shards of a study (`robustness --shard K/N`) into one results.json, equal to a single-process run')
    .argument('<dirs...>', 'shard folders (or their shard.json files)')
    .option('--out <dir>', 'folder of the merged results.json (default: the folder holding the first shard)')
    .option('--allow-missing', 'write what the shards hold even when jobs are missing (marked interrupted)', false)
    .option('--json', 'print results.json to stdout', false)
    .action((dirs: string[], opts: { out?: string; allowMissing: boolean; json: boolean }) => {
      const { study, results, modelFiles, shards } = unionShards(dirs.map(readShard));
      const jobs = splitStudy(study, { kind: 'dir', path: '' });
      const m = buildResults(study, jobs, results, { modelFiles, distributed: { shards } });
      if (m.missing.length > 0 && !opts.allowMissing) {
        throw new UsageError(`merge: ${m.missing.length} job(s) of study ${jobs.study} have no result in these shards (first: ${m.missing[0]}); ` +
          'run the missing shards, or pass --allow-missing');
      }
      const first = dirs[0].endsWith('.json') ? dirname(dirs[0]) : dirs[0];
      const out = opts.out ?? dirname(first);
      writeJsonAtomic(join(out, 'results.json'), m.results);
      process.stderr.write(`merged ${dirs.length} shard(s), ${results.size} job results -> ${join(out, 'results.json')}\n`);
      if (opts.json) process.stdout.write(JSON.stringify(m.results, null, 2) + '\n');
    });
}
