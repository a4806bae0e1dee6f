// The coordinator of a distributed study: splits it into jobs, enqueues
// them on the BullMQ queue (training first; a model's chip jobs as soon as
// its training job finished), waits with a progress bar, and hands back
// every job's result. Results are read from the study's Redis hash (one
// field per job), never counted from events, so a job retried after a
// crashed worker counts once. A job that failed all its attempts fails the
// run with that job's error. On abort (Ctrl-C) the study's waiting jobs are
// removed from the queue (nothing is left for workers to pick up); the
// results so far stay in Redis and `--resume` enqueues only what is missing.
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createProgress, type Verbosity } from '../train/progress.js';
import { ClusterError } from '../errors.js';
import { QUEUE_NAME, keys } from './keys.js';
import { connectRedis, redactUrl } from './connect.js';
import { splitStudy, type StudyJobs } from './split.js';
import { openStore, type ModelBytes } from './store.js';
import type { JobResult, JobSpec, ModelStore, RobustnessStudy } from './spec.js';

export interface CoordinatorOptions {
  url: string;
  study: RobustnessStudy;
  store: ModelStore;
  /** Keep the results of an earlier (interrupted) run of the same study and enqueue only the missing jobs. */
  resume?: boolean;
  /** Attempts per job before the run fails (default 3). */
  attempts?: number;
  signal?: AbortSignal;
  verbose?: Verbosity;
  log?: (line: string) => void;
  /** Called whenever results arrived (write partial results). */
  onResults?: (results: ReadonlyMap<string, JobResult>) => void;
}

export interface CoordinatorOutcome {
  jobs: StudyJobs;
  results: Map<string, JobResult>;
  interrupted: boolean;
  /** Where each model is stored, by train-level index. */
  modelFiles: string[];
  queue: string;
}

const POLL_MS = 250;

function parseResults(h: Record<string, string>): Map<string, JobResult> {
  return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as JobResult]));
}

async function removeWaiting(queue: Queue, ids: Iterable<string>): Promise<number> {
  let removed = 0;
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'failed' || state === 'completed') {
      await job.remove();
      removed++;
    }
  }
  return removed;
}

export async function runStudyOnQueue(o: CoordinatorOptions): Promise<CoordinatorOutcome> {
  const log = o.log ?? (() => {});
  const redis: Redis = await connectRedis(o.url);
  const connection = { url: o.url };
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const progress = createProgress(o.verbose ?? 'auto');
  let wake: () => void = () => {};
  const wakeUp = () => wake();
  events.on('completed', wakeUp);
  events.on('failed', wakeUp);
  try {
    const store: ModelBytes = openStore(o.store, redis);
    const jobs = splitStudy(o.study, o.store);
    const all: JobSpec[] = [...jobs.train, ...jobs.chips.flat()];
    const resultsKey = keys.results(jobs.study);
    // Failed or finished jobs of an earlier run would block re-adding the same ids.
    await removeWaiting(queue, all.map((j) => j.id));
    if (!o.resume) await redis.del(resultsKey);
    await redis.set(keys.spec(jobs.study), JSON.stringify(o.study));
    let results = parseResults(await redis.hgetall(resultsKey));
    if (o.resume) log(`resuming study ${jobs.study}: ${results.size} of ${all.length} jobs already done`);
    const attempts = o.attempts ?? 3;
    const jobOpts = (j: JobSpec) => ({
      jobId: j.id, attempts, backoff: { type: 'fixed' as const, delay: 1000 },
      removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 },
    });
    const add = async (specs: JobSpec[]) => {
      const todo = specs.filter((j) => !results.has(j.id));
      if (todo.length > 0) await queue.addBulk(todo.map((j) => ({ name: j.type, data: j, opts: jobOpts(j) })));
    };
    log(`study ${jobs.study}: ${all.length} jobs (${jobs.train.length} training, ${all.length - jobs.train.length} chip slices) on ${redactUrl(o.url)} queue "${QUEUE_NAME}"`);
    await add(jobs.train);
    const enqueued = jobs.train.map(() => false);
    const mine = new Set(all.map((j) => j.id));
    progress.start(all.length, `study ${jobs.study}`);
    let lastCount = -1;
    let workersSeen = false;
    const t0 = performance.now();
    while (!o.signal?.aborted) {
      if (results.size !== lastCount) {
        lastCount = results.size;
        progress.update(results.size);
        o.onResults?.(results);
      }
      for (let m = 0; m < jobs.train.length; m++) {
        if (!enqueued[m] && results.has(jobs.train[m].id)) {
          await add(jobs.chips[m]);
          enqueued[m] = true;
        }
      }
      if (results.size >= all.length && all.every((j) => results.has(j.id))) break;
      const failed: Job[] = (await queue.getJobs(['failed'])).filter((j) => j?.id && mine.has(j.id) && !results.has(j.id));
      if (failed.length > 0) {
        const j = failed[0];
        // The run is over: leave nothing of it for the workers.
        await removeWaiting(queue, all.map((x) => x.id).filter((id) => !results.has(id) && id !== j.id));
        throw new ClusterError(`job ${j.id} failed after ${j.attemptsMade} attempt(s): ${j.failedReason}` +
          ' (fix the cause, then run the same command with --resume to continue the study)');
      }
      if (!workersSeen && performance.now() - t0 > 5000) {
        workersSeen = (await queue.getWorkersCount()) > 0;
        if (!workersSeen) {
          progress.log(`no worker is listening on ${redactUrl(o.url)}: start some with \`xnorkit worker --queue ${redactUrl(o.url)}\``);
          workersSeen = true;
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        wake = () => { clearTimeout(t); resolve(); };
      });
      results = parseResults(await redis.hgetall(resultsKey));
    }
    const interrupted = !all.every((j) => results.has(j.id));
    if (interrupted) {
      const removed = await removeWaiting(queue, all.map((j) => j.id).filter((id) => !results.has(id)));
      log(`interrupted: removed ${removed} waiting job(s) of study ${jobs.study} from the queue; ${results.size} of ${all.length} results are kept in Redis (run the same command with --resume to continue)`);
    }
    return { jobs, results, interrupted, modelFiles: jobs.train.map((t) => store.where(t.modelKey)), queue: redactUrl(o.url) };
  } finally {
    progress.stop();
    await events.close();
    await queue.close();
    redis.disconnect();
  }
}
