// Timing that survives this kind of machine: a VM whose host makes every
// process run much slower for stretches of several seconds at a time. A
// ratio of two medians taken seconds apart mixes fast and slow stretches;
// instead, every task runs for one short slice per round, all tasks in turn
// (order reversed every other round, so drift within a round cancels), and
// each round yields a ratio to the reference task. The statistic is the
// median of those per-round ratios; a round that straddles a change of speed
// is an outlier the median ignores.

export type TimedTask = [name: string, call: () => unknown];

export interface PairedTiming {
  /** Median over rounds of the task's median ms per call in the round. */
  ms: Map<string, number>;
  /** Median over rounds of (task ms / reference ms) in the same round. */
  ratio: Map<string, number>;
  /** Interquartile range of the per-round ratios: how far a single run could be trusted. */
  ratioIqr: Map<string, [number, number]>;
  /** The reference task's per-round ms, min and max: the machine's speed changes during the run. */
  referenceSpread: [number, number];
  /** Each task's median ms per call in each round. */
  perRound: Map<string, number[]>;
  /** Median over rounds of (a ms / b ms) in the same round, for any two tasks. */
  ratioBetween(a: string, b: string): number;
  rounds: number;
  sliceMs: number;
}

export const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

export const quantile = (xs: number[], q: number): number => {
  const v = [...xs].sort((a, b) => a - b);
  const p = (v.length - 1) * q;
  const i = Math.floor(p);
  return i + 1 < v.length ? v[i] + (v[i + 1] - v[i]) * (p - i) : v[i];
};

/**
 * Times `tasks` in `rounds` interleaved rounds of about `sliceMs` per task
 * (at least `minCalls` calls each), after `warmupCalls` calls of each.
 * `reference` names the task ratios are taken against.
 */
export async function timePaired(tasks: TimedTask[], o: { reference: string; rounds: number; sliceMs: number; warmupCalls?: number; minCalls?: number }): Promise<PairedTiming> {
  if (!tasks.some(([n]) => n === o.reference)) throw new Error(`timePaired: no task named ${o.reference}`);
  const minCalls = o.minCalls ?? 2;
  for (const [, call] of tasks) for (let i = 0; i < (o.warmupCalls ?? 5); i++) await call();
  const perRound = new Map<string, number[]>(tasks.map(([n]) => [n, []]));
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 ? [...tasks].reverse() : tasks;
    for (const [name, call] of order) {
      const calls: number[] = [];
      const end = performance.now() + o.sliceMs;
      while (calls.length < minCalls || performance.now() < end) {
        const t = performance.now();
        await call();
        calls.push(performance.now() - t);
      }
      perRound.get(name)!.push(median(calls));
    }
  }
  const ref = perRound.get(o.reference)!;
  const ms = new Map<string, number>();
  const ratio = new Map<string, number>();
  const ratioIqr = new Map<string, [number, number]>();
  for (const [name, v] of perRound) {
    const r = v.map((m, i) => m / ref[i]);
    ms.set(name, median(v));
    ratio.set(name, median(r));
    ratioIqr.set(name, [quantile(r, 0.25), quantile(r, 0.75)]);
  }
  const ratioBetween = (a: string, b: string): number => {
    const va = perRound.get(a), vb = perRound.get(b);
    if (!va || !vb) throw new Error(`timePaired: no task named ${va ? b : a}`);
    return median(va.map((m, i) => m / vb[i]));
  };
  return { ms, ratio, ratioIqr, referenceSpread: [Math.min(...ref), Math.max(...ref)], perRound, ratioBetween, rounds: o.rounds, sliceMs: o.sliceMs };
}
