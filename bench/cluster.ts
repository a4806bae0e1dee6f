// Issue 17 point 4: wall time of a 100-chip, 5-level robustness sweep in one
// process and through the BullMQ queue with 1 and 2 worker processes, and
// the queue's per-job overhead. Needs REDIS_URL (a Redis of its own: the
// bench empties database 9). Workers are started and warm before each timed
// run (they listen, as on a cluster); the model is trained once by a warm-up
// run and then found in the model store / models cache by every timed run.
//   REDIS_URL=redis://127.0.0.1:6390 npx tsx bench/cluster.ts [--chips 100] [--test-limit 2000]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files.js';
import { cpus, tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';

const root = join(import.meta.dirname, '..');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const chips = Number(arg('chips', '100'));
const testLimit = arg('test-limit', '500');
const chipsPerJob = arg('chips-per-job', '10');
const levels = '1e-4,1e-3,3e-3,1e-2,3e-2';
const base = process.env.REDIS_URL;
if (!base) throw new Error('bench/cluster.ts needs REDIS_URL (a Redis server of its own)');
const url = `${base.replace(/\/\d*$/, '')}/9`;
const dir = mkdtempSync(join(tmpdir(), 'xnorkit-bench-cluster-'));

const cli = (args: string[]): ChildProcess => spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
function run(args: string[]): Promise<number> {
  const t0 = performance.now();
  const c = cli(args);
  let err = '';
  c.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => c.on('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`xnorkit ${args.join(' ')} exited ${code}:\n${err}`)))));
}
const study = (out: string) => [
  'robustness', '--sweep', 'bitflips', '--levels', levels, '--train-levels', '0', '--epochs', '1', '--limit', '2000', '--test-limit', testLimit,
  '--chips', String(chips), '--engine', 'xnor', '--threads', '1', '--quiet', '--out', join(dir, out), '--models-dir', join(dir, 'models'),
];

async function workers(n: number): Promise<{ stop: () => Promise<void> }> {
  const queue = new Queue('xnorkit', { connection: { url } });
  const w = cli(['worker', '--queue', url, '--concurrency', String(n), '--threads', '1', '--quiet']);
  while ((await queue.getWorkersCount()) < n) await new Promise((r) => setTimeout(r, 200));
  await queue.close();
  return { stop: async () => { w.kill('SIGTERM'); await new Promise((r) => w.on('exit', r)); } };
}

const redis = new Redis(url);
await redis.flushdb();
const queued = (out: string, cpj = chipsPerJob) => [...study(out), '--queue', url, '--chips-per-job', cpj];
// Warm-up: trains the model (single process: models cache; queue: the model store in Redis).
await run(study('warm-single'));
let fleet = await workers(1);
await run(queued('warm-queue'));
const single = await run(study('single'));
const one = await run(queued('queue-1'));
// The same sweep in 1-chip jobs: the extra wall time per extra job, less the extra compute, is the queue's own cost per job.
const fine = await run(queued('queue-1-fine', '1'));
await fleet.stop();
fleet = await workers(2);
const two = await run(queued('queue-2'));
await fleet.stop();
redis.disconnect();

type Results = { points: { mean: number; seconds: number }[]; distributed?: { jobs: number } };
const read = (out: string) => JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')) as Results;
const [rs, r1, rf, r2] = [read('single'), read('queue-1'), read('queue-1-fine'), read('queue-2')];
const sum = (r: Results) => r.points.reduce((a, p) => a + p.seconds, 0);
const jobs = r1.distributed!.jobs;
const fineJobs = rf.distributed!.jobs;
const [sweepSingle, jobSeconds, fineSeconds] = [sum(rs), sum(r1), sum(rf)];
const means = (r: Results) => JSON.stringify(r.points.map((p) => p.mean));
const same = [r1, rf, r2].every((r) => means(r) === means(rs));
const out = {
  date: new Date().toISOString(), chips, levels, test_images: Number(testLimit), chips_per_job: Number(chipsPerJob), jobs, jobs_1_chip: fineJobs,
  wall_seconds: { single_process: single, queue_1_worker: one, queue_2_workers: two, queue_1_worker_1_chip_jobs: fine },
  chip_seconds: { single_process: sweepSingle, queue_1_worker: jobSeconds, queue_1_worker_1_chip_jobs: fineSeconds },
  // Wall time not spent evaluating chips, per extra job; and the extra evaluation per extra job (each job's clean pass, chips no longer sharing batches).
  queue_overhead_per_job_seconds: ((fine - fineSeconds) - (one - jobSeconds)) / (fineJobs - jobs),
  split_cost_per_job_seconds: (fineSeconds - jobSeconds) / (fineJobs - jobs),
  means_equal: same, loadavg: loadavg(),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileAtomic(join(root, 'bench', 'results', 'cluster.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out, null, 2));
const f = (s: number) => `${s.toFixed(1)} s`;
const ms = (s: number) => `${(1000 * s).toFixed(0)} ms`;
updateBenchmarksSection('cluster', `## Distributed sweep: ${chips} chips × 5 levels through the BullMQ queue (\`bench/cluster.ts\`)

Issue 17 point 4. \`xnorkit robustness --sweep bitflips --levels ${levels} --chips ${chips} --engine xnor\` on the
binarized larq-mnist (trained once by a warm-up run, then found in the models cache / the queue's model store),
${testLimit} MNIST test images, 1 kernel thread per process; in one process, and with \`--queue\` on 1 and 2 local worker
processes that were started (and, for 1 worker, warmed up by the warm-up run) before the timed command. Wall time of the
command, process start included. ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; load average
${out.loadavg.map((x) => x.toFixed(1)).join(', ')} at the end (the coordinator, Redis and the workers share the cores: 2 workers on 2 cores
cannot show a clean 2×).

\`\`\`
REDIS_URL=redis://127.0.0.1:6390 nice -n 10 npx tsx bench/cluster.ts     # -> bench/results/cluster.json
\`\`\`

${mdTable(['run', 'jobs', 'wall time', 'chip evaluation (sum over jobs)'], [
  ['single process (no queue)', '—', f(single), f(sweepSingle)],
  [`queue, 1 worker process, ${chipsPerJob} chips per job`, jobs, f(one), f(jobSeconds)],
  [`queue, 2 worker processes, ${chipsPerJob} chips per job`, jobs, `${f(two)} (${(one / two).toFixed(2)}× vs 1 worker)`, '—'],
  ['queue, 1 worker process, 1 chip per job', fineJobs, f(fine), f(fineSeconds)],
])}

Per-job overhead of the queue (1-chip vs ${chipsPerJob}-chip jobs, 1 worker): wall time not spent evaluating chips grows by
**${ms(out.queue_overhead_per_job_seconds)} per job** (enqueue, Redis round trips, lock, result write, the coordinator's
polling); splitting finer also costs **${ms(out.split_cost_per_job_seconds)} of evaluation per job** (each job's own clean pass,
chips no longer sharing a batch's clean prefix). Merged accuracies equal the single-process ones in every run: ${same ? 'yes' : 'NO'}.`);
