// A robustness study (2 train levels x 3 noise levels x 6 chips: a small
// hardware-aware training grid) through the BullMQ queue with 3 local
// worker processes equals the single-process run bit for bit — also when a
// worker is SIGKILLed in the middle of a training job, and when the
// coordinator is interrupted and resumed. A job that fails every attempt
// fails the run with its error. Needs Redis: REDIS_URL (`.ci/run` starts one).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { start, xnorkit, STUDY, readResults, comparable, type Run } from './helpers.js';
import type { ChildProcess } from 'node:child_process';

const base = process.env.REDIS_URL;
if (!base) console.warn('test/cluster/queue.test.ts: skipped — set REDIS_URL (e.g. redis://127.0.0.1:6390) to a Redis server (`.ci/run` starts one)');
// A database of its own, emptied first: the test counts every job it sees.
const url = base ? `${base.replace(/\/\d*$/, '')}/7` : '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!base)('robustness --queue with local workers', () => {
  let dir: string;
  let redis: Redis;
  let queue: Queue;
  let fleet: { child: ChildProcess; done: Promise<Run> };
  let single: Record<string, unknown>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xnorkit-queue-'));
    redis = new Redis(url);
    await redis.flushdb();
    queue = new Queue('xnorkit', { connection: { url } });
    const r = await xnorkit(...STUDY, '--quiet', '--out', join(dir, 'single'), '--models-dir', join(dir, 'models'));
    expect(r.code, r.stderr).toBe(0);
    single = readResults(join(dir, 'single'));
    // Short locks, so that a killed worker's job comes back within seconds.
    fleet = start(['worker', '--queue', url, '--concurrency', '3', '--lock-ms', '5000']);
  }, 300_000);

  afterAll(async () => {
    fleet?.child.kill('SIGTERM');
    await fleet?.done;
    await queue?.close();
    redis?.disconnect();
  });

  it('3 workers, one SIGKILLed mid-job: results equal the single-process run, the killed job counted once', async () => {
    const run = start([...STUDY, '--queue', url, '--chips-per-job', '2', '--out', join(dir, 'queue')]);
    // Kill the worker process that holds a training job (they take seconds).
    let killed: { id: string; pid: number } | null = null;
    const t0 = Date.now();
    while (!killed && Date.now() - t0 < 120_000) {
      for (const job of await queue.getJobs(['active'])) {
        const p = job?.progress as { pid?: number } | undefined;
        if (job?.name === 'train' && p?.pid) {
          process.kill(p.pid, 'SIGKILL');
          killed = { id: job.id!, pid: p.pid };
          break;
        }
      }
      if (!killed) await sleep(50);
    }
    expect(killed).not.toBeNull();
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const q = readResults(join(dir, 'queue'));
    expect(comparable(q)).toEqual(comparable(single));
    // One result per job: 2 training runs + 2 models x 3 levels x 3 slices of 2 chips.
    const study = (q.distributed as { study: string }).study;
    const stored = await redis.hgetall(`xnorkit:study:${study}:results`);
    expect(Object.keys(stored)).toHaveLength(2 + 18);
    const again = JSON.parse(stored[killed!.id]) as { worker: string };
    expect(again.worker).not.toMatch(new RegExp(`:${killed!.pid}$`));
    expect(q.points).toHaveLength(6);
  }, 300_000);

  it('Ctrl-C on the coordinator removes its waiting jobs; --resume finishes the study with equal results', async () => {
    const args = [...STUDY, '--queue', url, '--chips-per-job', '3', '--out', join(dir, 'resume')];
    const first = start(args);
    let study = '';
    const t0 = Date.now();
    // Interrupt once the training jobs and a few chip jobs are done.
    while (Date.now() - t0 < 120_000) {
      study = /study (\w+): 14 jobs/.exec(first.stderr())?.[1] ?? '';
      if (study && (await redis.hlen(`xnorkit:study:${study}:results`)) >= 4) break;
      await sleep(100);
    }
    expect(study).not.toBe('');
    first.child.kill('SIGINT');
    const r1 = await first.done;
    expect(r1.code, r1.stderr).toBe(130);
    expect(r1.stderr).toMatch(/--resume/);
    const waiting = (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j?.id?.startsWith(study));
    expect(waiting).toHaveLength(0);
    const partial = readResults(join(dir, 'resume'));
    expect(partial.interrupted).toBe(true);

    const r2 = await xnorkit(...args, '--resume');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/resuming study \w+: \d+ of 14 jobs already done/);
    expect(comparable(readResults(join(dir, 'resume')))).toEqual(comparable(single));
  }, 300_000);

  it('experiment --queue: training runs and sweeps as jobs, the same results as in one process', async () => {
    const config = join(dir, 'experiment.json');
    writeFileSync(config, JSON.stringify({
      preset: 'quick', train: { epochs: 1, batchSize: 32, limit: 300 }, test: { limit: 200 },
      speed: { latencyRuns: 2, throughputRuns: 1, throughputBatch: 32 },
      hardware: {
        testLimit: 100, chips: 4, noise: { levels: [0, 0.5, 1], trainLevels: [0.5] },
        variation: { levels: [0, 0.5], trainLevels: [] }, saturation: { levels: [4, 8], trainLevels: [] },
      },
    }));
    const common = ['experiment', '--config', config, '--threads', '1', '--quiet'];
    const [a, b] = await Promise.all([
      xnorkit(...common, '--out', join(dir, 'exp-single')),
      xnorkit(...common, '--out', join(dir, 'exp-queue'), '--queue', url, '--chips-per-job', '2'),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const numbers = (r: Record<string, unknown>) => {
      const model = (m: Record<string, unknown>) => ({
        test_accuracy: m.test_accuracy, test_loss: m.test_loss, trace: m.trace,
        epochs: (m.epochs as Record<string, unknown>[]).map(({ seconds: _s, samples_per_second: _p, ...e }) => e),
      });
      const hw = r.hardware as Record<string, { models: { train_level: unknown; clean_accuracy: unknown }[]; points: Record<string, unknown>[] }>;
      const sweep = (k: string) => ({
        models: hw[k].models.map((m) => [m.train_level, m.clean_accuracy]),
        points: hw[k].points.map(({ seconds: _s, ...p }) => p),
      });
      return { status: r.status, float: model(r.float as Record<string, unknown>), binary: model(r.binary as Record<string, unknown>),
        noise: sweep('noise'), variation: sweep('variation'), saturation: sweep('saturation') };
    };
    const single = numbers(readResults(join(dir, 'exp-single')));
    const queued = numbers(readResults(join(dir, 'exp-queue')));
    expect(queued.status).toBe('complete');
    expect(queued.noise.points).toHaveLength(6);
    expect(queued).toEqual(single);
    for (const f of ['float.xnks', 'binary.xnks', 'hw-noise-0.5.xnks']) expect(existsSync(join(dir, 'exp-queue', f))).toBe(true);
  }, 400_000);

  it('a job that fails every attempt fails the run with its error', async () => {
    const r = await xnorkit(...STUDY, '--queue', url, '--attempts', '2', '--data-dir', join(dir, 'no-such-dir'), '--out', join(dir, 'failing'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/job \w+\.train\.m\d failed after 2 attempt\(s\): MNIST/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 300_000);
});
