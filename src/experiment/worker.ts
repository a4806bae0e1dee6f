// Runs an experiment on a worker thread. Training and sweeps are long
// synchronous computations; a SIGINT listener on the thread doing them would
// only run once they end. On a worker, the main thread stays idle and
// receives Ctrl-C at once, and sets a flag in shared memory that the worker's
// AbortSignal reads at every training step and chip group.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import type { ExperimentConfig } from './config.js';
import type { ExperimentResults } from '../report/schema.js';
import { runExperiment } from './run.js';
import type { ExperimentQueueOptions } from '../cluster/experiment.js';
import { isXnorkitError, rebuildError } from '../errors.js';

interface WorkerInput {
  kind: 'xnorkit-experiment';
  config: ExperimentConfig;
  flag: SharedArrayBuffer;
  /** The main thread's terminal, so progress bars draw there (a worker's stderr is a pipe to it). */
  tty: { columns: number } | null;
  quiet: boolean;
  /** Run the training and sweeps as jobs on this queue (src/cluster). */
  queue?: ExperimentQueueOptions;
}

type WorkerOutput = { ok: true; results: ExperimentResults } | { ok: false; name: string; message: string; stack?: string; userError: boolean };

/** An AbortSignal whose `aborted` reads shared memory, so it changes while this thread is busy. */
function sharedSignal(flag: Int32Array): AbortSignal {
  return { get aborted() { return Atomics.load(flag, 0) !== 0; } } as AbortSignal;
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.kind === 'xnorkit-experiment') {
  const input = workerData as WorkerInput;
  // A worker's process.stderr forwards through the main thread and waits for
  // its acknowledgement, which a busy worker never reads: the progress would
  // arrive only when the run ends. File descriptor 2 is shared by all
  // threads, so write to it directly, synchronously.
  process.stderr.write = ((chunk: string | Uint8Array) => {
    if (typeof chunk === 'string') writeSync(2, chunk);
    else writeSync(2, chunk);
    return true;
  }) as typeof process.stderr.write;
  if (input.tty) {
    Object.defineProperty(process.stderr, 'isTTY', { value: true });
    Object.defineProperty(process.stderr, 'columns', { value: input.tty.columns });
  }
  const quiet = () => {};
  runExperiment(input.config, {
    signal: sharedSignal(new Int32Array(input.flag)), verbose: input.quiet ? 'quiet' : 'auto',
    log: input.quiet ? quiet : undefined, queue: input.queue,
  }).then(
    (results) => parentPort!.postMessage({ ok: true, results } satisfies WorkerOutput),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ ok: false, name: err.name, message: err.message, stack: err.stack, userError: isXnorkitError(err) } satisfies WorkerOutput);
    },
  );
}

export interface BackgroundRun {
  /** Ask the run to stop after the current training step or chip group; it then writes what finished. */
  stop(): void;
  /** Stop at once, without writing. */
  kill(): Promise<void>;
  done: Promise<ExperimentResults>;
}

/** Starts `runExperiment(config)` on a worker thread. */
export function startExperiment(config: ExperimentConfig, opts: { quiet?: boolean; queue?: ExperimentQueueOptions } = {}): BackgroundRun {
  const flag = new SharedArrayBuffer(4);
  // From source (tsx), the worker needs the TypeScript loader too: Node does not pass module hooks to workers.
  const fromSource = import.meta.url.endsWith('.ts');
  const file = new URL(`./worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const input: WorkerInput = {
    kind: 'xnorkit-experiment', config, flag, quiet: opts.quiet ?? false, queue: opts.queue,
    tty: process.stderr.isTTY ? { columns: process.stderr.columns ?? 80 } : null,
  };
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, workerData: input })
    : new Worker(file, { workerData: input });
  const done = new Promise<ExperimentResults>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerOutput) => {
      settled = true;
      if (m.ok) resolve(m.results);
      else {
        // Rebuilt as the same kind, so the CLI still tells user errors (no stack) from bugs.
        reject(rebuildError(m));
      }
      void worker.terminate();
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the experiment worker exited with code ${code} before finishing`));
    });
  });
  return {
    stop: () => Atomics.store(new Int32Array(flag), 0, 1),
    kill: async () => { await worker.terminate(); },
    done,
  };
}
