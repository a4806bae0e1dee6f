// Before/after timing for a refactor (issue 11 acceptance 5): the same three
// workloads — packed inference, binarized training steps, a 100-chip
// Monte-Carlo — run against two source trees (--before DIR, --after DIR) in
// separate child processes, alternating before/after round by round so that a
// change in machine load hits both alike. Each child reports the CPU time
// (user + system) of its timed part and its wall time; the table gives
// medians. Both trees must expose the same public entry points used below.
//
//   npx tsx bench/contract-timing.ts --before /work/before --after . [--rounds 5]
//   npx tsx bench/contract-timing.ts --child inference --root DIR
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';

const { values: a } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    child: { type: 'string' },
    root: { type: 'string' },
    workloads: { type: 'string', default: 'inference,predict,train,mc-xnor,mc-deploy,mc-variation' },
  },
});

type Workload = 'inference' | 'predict' | 'train' | 'mc-xnor' | 'mc-deploy' | 'mc-variation';

async function child(workload: Workload, root: string): Promise<void> {
  const src = (p: string) => import(pathToFileURL(resolve(root, 'src', p)).href);
  const { createModel } = await src('nn/models/index.ts');
  const { loadMnist, take } = await src('data/index.ts');
  const { setThreads } = await src('wasm/threads.ts');
  const { Tensor } = await src('tensor/tensor.ts');
  const { tidy } = await src('tensor/scope.ts');
  setThreads(1);
  const measure = (fn: () => void) => {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    const d = process.cpuUsage(c);
    return { cpuMs: (d.user + d.system) / 1000, wallMs: performance.now() - t };
  };
  let result: { cpuMs: number; wallMs: number; check: number };
  if (workload === 'inference' || workload === 'predict') {
    const test = take(loadMnist({ split: 'test' }), 256);
    const model = createModel('larq-mnist', { seed: 1 });
    const x = Tensor.from(test.images, [256, 28, 28, 1]);
    if (workload === 'inference') {
      const { compile } = await src('deploy/index.ts');
      const engine = compile(model);
      engine.run(test.images); // warm-up
      let check = 0;
      const m = measure(() => { for (let i = 0; i < 40; i++) check += engine.run(test.images).logits[i]; });
      result = { ...m, check };
    } else {
      tidy(() => model.predict(x));
      let check = 0;
      const m = measure(() => { for (let i = 0; i < Number(process.env.CT_REPEAT ?? 6); i++) tidy(() => { check += model.predict(x).data[i]; }); });
      result = { ...m, check };
    }
  } else if (workload === 'train') {
    const { Adam } = await src('optim/adam.ts');
    const { fit } = await src('train/fit.ts');
    const train = take(loadMnist({ split: 'train' }), 64 * 60);
    const warm = createModel('larq-mnist', { seed: 0 });
    fit(warm, take(train, 64 * 5), { epochs: 1, batchSize: 64, optimizer: new Adam(), verbose: 'quiet' });
    const model = createModel('larq-mnist', { seed: 1 });
    let loss = 0;
    const m = measure(() => {
      const h = fit(model, train, { epochs: 1, batchSize: 64, optimizer: new Adam(), seed: 1, verbose: 'quiet' });
      loss = h.epochs[0].loss;
    });
    result = { ...m, check: loss };
  } else {
    const { evaluateOnChips } = await src('hardware/montecarlo.ts');
    const test = take(loadMnist({ split: 'test' }), Number(process.env.CT_IMAGES ?? 1000));
    const model = createModel('larq-mnist', { seed: 1 });
    let perturbations: unknown[];
    let engine: string;
    let chips = 100;
    if (workload === 'mc-variation') {
      const { ProcessVariation } = await src('hardware/variation.ts');
      perturbations = [new ProcessVariation({ model: 'multiplicative', sigma: 0.1, layers: 'all' })];
      engine = 'float';
      chips = Number(process.env.CT_CHIPS ?? 20);
    } else {
      const { BitFlips } = await src('hardware/bitflips.ts');
      perturbations = [new BitFlips({ rate: 1e-3 })];
      engine = workload === 'mc-xnor' ? 'xnor' : 'deploy';
    }
    let mean = 0;
    const m = measure(() => {
      const r = evaluateOnChips(model, test, { chips, seed: 1, perturbations, engine, verbose: 'quiet' });
      mean = r.mean;
    });
    result = { ...m, check: mean };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function parent(): void {
  const trees = { before: resolve(a.before!), after: resolve(a.after!) };
  const workloads = a.workloads!.split(',') as Workload[];
  const rounds = Number(a.rounds);
  const rows: string[] = [];
  const script = new URL(import.meta.url).pathname;
  for (const w of workloads) {
    const cpu: Record<string, number[]> = { before: [], after: [] };
    const wall: Record<string, number[]> = { before: [], after: [] };
    const checks: Record<string, Set<string>> = { before: new Set(), after: new Set() };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
      for (const which of order) {
        const p = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', w, '--root', trees[which]], { cwd: trees[which], encoding: 'utf8', maxBuffer: 1 << 26 });
        const line = p.stdout.trim().split('\n').pop() ?? '';
        if (p.status !== 0 || !line.startsWith('{')) throw new Error(`${w} on ${which} failed: ${p.stderr.slice(-2000)}`);
        const res = JSON.parse(line) as { cpuMs: number; wallMs: number; check: number };
        cpu[which].push(res.cpuMs);
        wall[which].push(res.wallMs);
        checks[which].add(String(res.check));
      }
      process.stderr.write(`${w} round ${r + 1}/${rounds}: before ${cpu.before.at(-1)!.toFixed(0)} ms, after ${cpu.after.at(-1)!.toFixed(0)} ms CPU\n`);
    }
    const same = [...checks.before].join() === [...checks.after].join();
    const b = median(cpu.before);
    const f = median(cpu.after);
    rows.push(`| ${w} | ${b.toFixed(0)} | ${f.toFixed(0)} | ${(b / f).toFixed(3)} | ${median(wall.before).toFixed(0)} | ${median(wall.after).toFixed(0)} | ${same ? 'identical' : `DIFFER ${[...checks.before]} vs ${[...checks.after]}`} |`);
  }
  const cpus = os.cpus();
  console.log(`CPU: ${cpus[0]?.model} x${cpus.length}; load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} alternating rounds, medians, 1 thread`);
  console.log('| workload | before CPU ms | after CPU ms | before/after | before wall ms | after wall ms | results |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

if (a.child) await child(a.child as Workload, resolve(a.root!));
else parent();
