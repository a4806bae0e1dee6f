// A stateless worker: takes jobs of any study from the queue, runs them
// (src/cluster/execute.ts), stores each result in its study's hash under the
// job id, and reports failures to BullMQ, which retries them (attempts). A
// worker that dies mid-job stops renewing its lock; another worker's
// stalled-job check puts the job back in the queue after lockDuration, and
// the retry writes the same result field, so it counts once.
import { Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { keys, QUEUE_NAME } from './keys.js';
import { connectRedis, redactUrl } from './connect.js';
import { JobRunner } from './execute.js';
import { openStore, type ModelBytes } from './store.js';
import type { JobSpec, ModelStore } from './spec.js';

export interface WorkerOptions {
  url: string;
  /** A job whose worker stopped renewing its lock this long ago is retried elsewhere (default 300 000 ms: a chip group on a large model may hold the thread for minutes). */
  lockMs?: number;
  /** How often this worker checks for stalled jobs (default min(lockMs, 30 000) ms). */
  stalledMs?: number;
  /** Where this machine keeps the data sets (default: the directory each job names, else the usual places). */
  dataDir?: string;
  /** Stop after this many jobs (default: run until close()). */
  maxJobs?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Finishes the current job, then stops. */
  close(): Promise<void>;
  /** Resolves when the worker stopped. */
  done: Promise<void>;
  name: string;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const log = o.log ?? (() => {});
  const redis: Redis = await connectRedis(o.url);
  const name = `${hostname()}:${process.pid}`;
  // One runner (data and model caches) per model store.
  const runners = new Map<string, JobRunner>();
  const runnerFor = (store: ModelStore): JobRunner => {
    const key = JSON.stringify(store);
    let r = runners.get(key);
    if (!r) {
      const bytes: ModelBytes = openStore(store, redis);
      r = new JobRunner(bytes, { dataDir: o.dataDir });
      runners.set(key, r);
    }
    return r;
  };
  let count = 0;
  const lockMs = o.lockMs ?? 300_000;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const worker = new Worker(QUEUE_NAME, async (job: Job) => {
    const spec = job.data as JobSpec;
    await job.updateProgress({ worker: name, pid: process.pid, attempt: job.attemptsStarted });
    const t0 = performance.now();
    const result = await runnerFor(spec.store).run(spec);
    await redis.hset(keys.results(spec.study), spec.id, JSON.stringify({ ...result, worker: name, attempt: job.attemptsStarted }));
    log(`${name}: ${spec.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (o.maxJobs !== undefined && ++count >= o.maxJobs) void shutdown();
    return { ok: true };
  }, {
    connection: { url: o.url }, concurrency: 1, name, lockDuration: lockMs, stalledInterval: o.stalledMs ?? Math.min(lockMs, 30_000), maxStalledCount: 2,
  });
  worker.on('failed', (job, err) => log(`${name}: ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`));
  worker.on('error', (err) => log(`${name}: ${err.message}`));
  let closing: Promise<void> | null = null;
  const shutdown = () => (closing ??= (async () => {
    await worker.close();
    for (const r of runners.values()) r.dispose();
    redis.disconnect();
    finish();
  })());
  await worker.waitUntilReady();
  log(`worker ${name} listening on ${redactUrl(o.url)} queue "${QUEUE_NAME}"`);
  return { close: shutdown, done, name };
}
