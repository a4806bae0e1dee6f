// Splitting a binary kernel call across the thread pool (src/wasm/threads.ts):
// dense by rows, conv by images. Every task gets its own workspace and writes
// its own rows/images, and the output transform state lives in each worker's
// instance globals, so the result is the single-thread result bit for bit.
import { wasm } from '../../wasm/module.js';
import { scratch } from '../../wasm/memory.js';
import { threadCount, runParallel, splitRange, type Task } from '../../wasm/threads.js';

// Below this many binary MACs (~0.1 ms of one core) waking workers costs more than it saves.
const PARALLEL_MIN_MACS = 1 << 24;

/**
 * Runs kernel(args(start, end, ws)) over [0, n) in up to threadCount() ranges
 * whose starts are multiples of align, or as one call when the work is small.
 */
export function splitCall(kernel: string, n: number, align: number, macs: number, wsBytes: number,
  args: (start: number, end: number, ws: number) => number[]): void {
  const fn = (wasm() as unknown as Record<string, (...a: number[]) => void>)[kernel];
  const threads = threadCount();
  if (threads === 1 || macs < PARALLEL_MIN_MACS || n < 2) {
    fn(...args(0, n, scratch(wsBytes, `${kernel}0`)));
    return;
  }
  const tasks: Task[] = splitRange(n, threads, align).map(([s, e], i) => ({ kernel, args: args(s, e, scratch(wsBytes, `${kernel}${i}`)) }));
  runParallel(tasks, (t) => fn(...t.args));
}
