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
import type { JobResult, JobSpec, ModelStore, RobustnessStudy } from './spec.js';

const POLL_MS = 250;

function parseResults(h: Record<string, string>): Map<string, JobResult> {
  return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as JobResult]));
}

/** What removeWaiting needs of a BullMQ Queue. */
export type RemovableQueue = Pick<Queue, 'getJob' | 'remove'>;

/**
 * Removes the jobs among `ids` that no worker holds (waiting, delayed,
 * prioritized, or finished) and returns how many it removed. A job a worker
 * holds, or takes while this runs, is left to finish.
 */
export async function removeWaiting(queue: RemovableQueue, ids: Iterable<string>): Promise<number> {
  let removed = 0;
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'failed' || state === 'completed') {
      // A worker may take the job between getState and here: then it is
      // locked, queue.remove returns 0 (job.remove would throw), and the job
      // runs to its end; its result lands in Redis like any other.
      if ((await queue.remove(id)) === 1) removed++;
    }
  }
  return removed;
}

/** A job and the jobs whose results it needs (a chip job needs its model's training job). */
export interface QueuedJob { spec: JobSpec; after: string[] }

export interface JobsOnQueueOptions {
  url: string;
  /** Id of the study: its results hash in Redis. */
  study: string;
  /** The study's description, kept in Redis beside its results. */
  description: unknown;
  jobs: QueuedJob[];
  label?: string;
  resume?: boolean;
  attempts?: number;
  signal?: AbortSignal;
  verbose?: Verbosity;
  log?: (line: string) => void;
  onResults?: (results: ReadonlyMap<string, JobResult>) => void;
}

/**
 * Enqueues each job once the jobs it needs have results, waits until every
 * job has one (or a job failed all its attempts: ClusterError; or the
 * signal: interrupted), and returns the results by job id.
 */
export async function runJobsOnQueue(o: JobsOnQueueOptions): Promise<{ results: Map<string, JobResult>; interrupted: boolean }> {
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
  const ids = o.jobs.map((j) => j.spec.id);
  try {
    const resultsKey = keys.results(o.study);
    // Failed or finished jobs of an earlier run would block re-adding the same ids.
    await removeWaiting(queue, ids);
    if (!o.resume) await redis.del(resultsKey);
    await redis.set(keys.spec(o.study), JSON.stringify(o.description));
    let results = parseResults(await redis.hgetall(resultsKey));
    if (o.resume) log(`resuming study ${o.study}: ${results.size} of ${ids.length} jobs already done`);
    const attempts = o.attempts ?? 3;
    const mine = new Set(ids);
    const enqueued = new Set<string>();
    progress.start(ids.length, o.label ?? `study ${o.study}`);
    let lastCount = -1;
    let workersSeen = false;
    const t0 = performance.now();
    try {
      while (!o.signal?.aborted) {
        if (results.size !== lastCount) {
          lastCount = results.size;
          progress.update([...results.keys()].filter((k) => mine.has(k)).length);
          o.onResults?.(results);
        }
        const ready = o.jobs.filter((j) => !enqueued.has(j.spec.id) && !results.has(j.spec.id) && j.after.every((d) => results.has(d)));
        if (ready.length > 0) {
          await queue.addBulk(ready.map((j) => ({
            name: j.spec.type, data: j.spec,
            opts: { jobId: j.spec.id, attempts, backoff: { type: 'fixed' as const, delay: 1000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
          })));
          for (const j of ready) enqueued.add(j.spec.id);
        }
        if (ids.every((id) => results.has(id))) break;
        const failed: Job[] = (await queue.getJobs(['failed'])).filter((j) => j?.id && mine.has(j.id) && !results.has(j.id));
        if (failed.length > 0) {
          const j = failed[0];
          throw new ClusterError(`job ${j.id} failed after ${j.attemptsMade} attempt(s): ${j.failedReason}` +
            ' (fix the cause, then run the same command with --resume to continue the study)');
        }
        if (!workersSeen && performance.now() - t0 > 5000) {
          workersSeen = true;
          if ((await queue.getWorkersCount()) === 0) {
            progress.log(`no worker is listening on ${redactUrl(o.url)}: start some with \`xnorkit worker --queue ${redactUrl(o.url)}\``);
          }
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, POLL_MS);
          wake = () => { clearTimeout(t); resolve(); };
        });
        results = parseResults(await redis.hgetall(resultsKey));
      }
    } catch (e) {
      // The run is over: leave nothing of it for the workers.
      await removeWaiting(queue, ids.filter((id) => !results.has(id)));
      throw e;
    }
    const interrupted = !ids.every((id) => results.has(id));
    if (interrupted) {
      const removed = await removeWaiting(queue, ids.filter((id) => !results.has(id)));
      log(`interrupted: removed ${removed} waiting job(s) of study ${o.study} from the queue; ${results.size} of ${ids.length} results are kept in Redis (run the same command with --resume to continue)`);
    }
    return { results, interrupted };
  } finally {
    progress.stop();
    await events.close();
    await queue.close();
    redis.disconnect();
  }
}

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

/** A robustness study on the queue: training jobs, then each model's chip jobs as soon as it is trained. */
export async function runStudyOnQueue(o: CoordinatorOptions): Promise<CoordinatorOutcome> {
  const jobs = splitStudy(o.study, o.store);
  const queued: QueuedJob[] = [
    ...jobs.train.map((t) => ({ spec: t, after: [] })),
    ...jobs.chips.flatMap((cs, m) => cs.map((c) => ({ spec: c, after: [jobs.train[m].id] }))),
  ];
  o.log?.(`study ${jobs.study}: ${queued.length} jobs (${jobs.train.length} training, ${queued.length - jobs.train.length} chip slices) on ${redactUrl(o.url)} queue "${QUEUE_NAME}"`);
  const r = await runJobsOnQueue({ ...o, study: jobs.study, description: o.study, jobs: queued });
  const store = o.store.kind === 'dir' ? o.store.path : null;
  return {
    jobs, results: r.results, interrupted: r.interrupted, queue: redactUrl(o.url),
    modelFiles: jobs.train.map((t) => (store ? `${store}/${t.modelKey}.xnks` : `redis:${keys.model(t.modelKey)}`)),
  };
}
