// Splitting a kernel call across the thread pool (src/wasm/threads.ts) by
// independent rows or images: binary dense by rows, binary conv, im2col,
// col2im and max-pooling by images. Every task gets its own workspace and
// writes its own rows/images, and the binary output transform state lives in
// each worker's instance globals, so the result is the single-thread result
// bit for bit.
import { wasm } from '../wasm/module.js';
import { scratch } from '../wasm/memory.js';
import { threadCount, runParallel, splitRange, type Task } from '../wasm/threads.js';

/** Below this many binary MACs (~0.1 ms of one core) waking workers costs more than it saves. */
export const PARALLEL_MIN_MACS = 1 << 24;
/** The same for memory-bound kernels (copies, pooling), in bytes moved (~0.05 ms of one core). */
export const PARALLEL_MIN_BYTES = 1 << 20;

/**
 * Runs kernel(args(start, end, ws)) over [0, n) in up to threadCount() ranges
 * whose starts are multiples of align, or as one call when the work (in the
 * unit of minWork) is small. Returns the ranges it used.
 */
export function splitCall(kernel: string, n: number, align: number, work: number, wsBytes: number,
  args: (start: number, end: number, ws: number) => number[], minWork = PARALLEL_MIN_MACS): [number, number][] {
  const threads = threadCount();
  // No workspace: pass 0 rather than a zero-byte scratch block.
  const ws = (i: number) => (wsBytes > 0 ? scratch(wsBytes, `${kernel}${i}`) : 0);
  const ranges: [number, number][] = threads === 1 || work < minWork || n < 2 ? [[0, n]] : splitRange(n, threads, align);
  callRanges(kernel, ranges, (s, e, i) => args(s, e, ws(i)));
  return ranges;
}

/**
 * Runs kernel(args(start, end, i)) for each given range: on the thread pool
 * when it has a thread per range, else one after the other. For a pass that
 * must split exactly as an earlier one did (e.g. a backward pass reading
 * indices its forward pass made relative to each range).
 */
export function callRanges(kernel: string, ranges: [number, number][],
  args: (start: number, end: number, i: number) => number[]): void {
  const fn = (wasm() as unknown as Record<string, (...a: number[]) => void>)[kernel];
  if (ranges.length === 1 || ranges.length > threadCount()) {
    ranges.forEach(([s, e], i) => fn(...args(s, e, i)));
    return;
  }
  const tasks: Task[] = ranges.map(([s, e], i) => ({ kernel, args: args(s, e, i) }));
  runParallel(tasks, (t) => fn(...t.args));
}
