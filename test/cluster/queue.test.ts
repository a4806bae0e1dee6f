// A robustness study (2 train levels x 3 noise levels x 6 chips: a small
// hardware-aware training grid) through the BullMQ queue with 3 local
// worker processes equals the single-process run bit for bit — also when a
// worker is SIGKILLed in the middle of a training job, and when the
// coordinator is interrupted and resumed. A job that fails every attempt
// fails the run with its error. Needs Redis: REDIS_URL (`.ci/run` starts one).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
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
    // Short locks, so that a killed worker's job comes back within seconds.
    fleet = start(['worker', '--queue', url, '--concurrency', '3', '--lock-ms', '5000']);
    const r = await xnorkit(...STUDY, '--quiet', '--out', join(dir, 'single'), '--models-dir', join(dir, 'models'));
    expect(r.code, r.stderr).toBe(0);
    single = readResults(join(dir, 'single'));
  });

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
  });

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
    expect(r1.code).toBe(130);
    expect(r1.stderr).toMatch(/--resume/);
    const waiting = (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j?.id?.startsWith(study));
    expect(waiting).toHaveLength(0);
    const partial = readResults(join(dir, 'resume'));
    expect(partial.interrupted).toBe(true);

    const r2 = await xnorkit(...args, '--resume');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/resuming study \w+: \d+ of 14 jobs already done/);
    expect(comparable(readResults(join(dir, 'resume')))).toEqual(comparable(single));
  });

  it('a job that fails every attempt fails the run with its error', async () => {
    const r = await xnorkit(...STUDY, '--queue', url, '--attempts', '2', '--data-dir', join(dir, 'no-such-dir'), '--out', join(dir, 'failing'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/job \w+\.train\.m\d failed after 2 attempt\(s\): MNIST/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
