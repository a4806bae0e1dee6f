// What WebAssembly can do at most on this CPU, one thread, and what that
// allows for issue 13's "binary at least 3x the float twin on onnxruntime-node"
// targets (vgg8 and birealnet18, batch 64).
//
// The probes (assembly/roofline-probes.ts, compiled here on their own without
// Binaryen's optimiser so that V8 sees them as written) run independent
// dependency chains of one operation each, registers only, so their rate is
// the CPU's throughput for that operation in V8's machine code:
//   clock            16 dependent 64-bit adds per iteration (one per cycle)
//   f32 mul / add    f32x4.mul, f32x4.add
//   v128 xor         the pipes a carry-save adder's logic ops run on
//   i8x16 popcount   XOR, i8x16.popcnt (a nibble lookup on x64) and a byte add
//   i64 xor / popcount  scalar XOR; XOR + POPCNT + add per 64 bits
//   load + add       a 16-byte load from L1 added into byte lanes
// From these, upper bounds on kernels built from these operations (no loads,
// loop overhead or register spills counted; each probe's fastest round):
//   float MAC/s      4 lanes x the slower of mul/s and add/s: a float layer
//                    that gives model.predict's values bit for bit rounds each
//                    product and each sum (Node 20's WebAssembly has no fused
//                    multiply-add), and at best its multiplies and adds run
//                    on their own pipes side by side
//   binary, scalar   64 bits x (XOR + POPCNT + add)/s
//   binary, vector   128 bits per 6 vector logic ops (an XOR, then a full
//                    adder's 5 ops to fold the word into carry-save planes:
//                    Harley-Seal; the planes' own popcounts left out), or
//                    128 bits per i8x16 popcount step, whichever is faster
//   binary, both     scalar + vector, as if the integer and vector units
//                    never competed for the front end or the load ports
// These bound kernels that count bits. A lookup-table kernel (precomputed
// partial sums of every pattern of 8 input bits, 16 channels per vector) adds
// 128 bit-MACs per load + add instead, while its tables stay in L1: that is
// printed too, as what such a kernel could do at most.
// A model's shortest possible forward pass is then its float MACs at the float
// bound plus its binary MACs at the "both" bound (MAC counts from summary()).
// vgg8's first layer reads 8-bit pixels through a sign kernel, which the
// engine computes exactly with integers: it is counted as free.
// It is compared with onnxruntime-node's time for the float twin as recorded by
// `npm run bench:graph` and `npm run bench:peers -- --model vgg8`
// (bench/results/*.json, whose dates are printed): 3x needs our time below a
// third of it.
// Writes bench/results/roofline.json and the "roofline" section of
// BENCHMARKS.md.
//
//   npm run bench:roofline [-- --rounds 9] [-- --ms 40]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { compileProbes, PROBES, type Probe, type ProbeSpec } from './rooflineProbes.js';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { writeJsonAtomic } from '../src/util/files.js';
import { createModel } from '../src/nn/models/index.js';
import { summary } from '../src/nn/summary.js';
import { median } from '../src/experiment/speed.js';
import { machineInfo, machineLine } from './machine.js';
import { machineBusy, describeBusy } from './machineBusy.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const ROUNDS = Math.max(3, Number(arg('rounds', '9')));
const CALL_MS = Math.max(5, Number(arg('ms', '40')));

/** Operations per second of one call of n iterations. */
function rate(f: Probe, spec: ProbeSpec, n: number): number {
  const t0 = process.hrtime.bigint();
  f(n, spec.k);
  const ns = Number(process.hrtime.bigint() - t0);
  return (spec.perIteration * n) / (ns * 1e-9);
}

function readJson(file: string): unknown {
  const path = join(import.meta.dirname, 'results', file);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

/** onnxruntime-node's (and our) batch-64, 1-thread times as the last bench:graph / bench:peers runs recorded them. */
function recordedTimes(): Record<'birealnet18' | 'vgg8', { ortMs: number; oursMs: number; date: string; source: string } | null> {
  const graph = readJson('graph-latency.json') as {
    date: string; batch64?: { rows: { variant: string; medianMs: number }[] };
  } | null;
  const peers = readJson('peers-vgg8.json') as {
    date?: string; results: { batch: number; threads: number; engines: { engine: string; ms: number }[] }[];
  } | null;
  const rows = graph?.batch64?.rows ?? [];
  const ort = rows.find((r) => r.variant.startsWith('ORT-node'));
  const ours = rows.find((r) => r.variant === 'packed, binary (popcount)');
  const b64 = peers?.results.find((r) => r.batch === 64 && r.threads === 1);
  const ortV = b64?.engines.find((e) => e.engine === 'ORT-node, float twin');
  const oursV = b64?.engines.find((e) => e.engine === 'xnorkit engine, binary');
  return {
    birealnet18: graph && ort && ours ? { ortMs: ort.medianMs, oursMs: ours.medianMs, date: graph.date, source: 'bench/results/graph-latency.json' } : null,
    vgg8: b64 && ortV && oursV ? { ortMs: ortV.ms, oursMs: oursV.ms, date: peers?.date ?? 'undated', source: 'bench/results/peers-vgg8.json' } : null,
  };
}

const BATCH = 64;
const MODELS = [
  { name: 'birealnet18', inputShape: [224, 224, 3], floatLayersCount: true },
  // Its only float MACs are the first layer's, on 8-bit pixels with sign
  // weights: integer sums in the engine, not float arithmetic.
  { name: 'vgg8', inputShape: [32, 32, 3], floatLayersCount: false },
] as const;

async function main(): Promise<void> {
  const machine = machineInfo();
  const busy = describeBusy(await machineBusy());
  const load = loadavg();
  console.log(`machine: ${machineLine(machine)}; ${busy.text}`);
  const { probes } = await compileProbes();

  // Size each probe's call to about CALL_MS, after calls that let V8 tier the
  // module up to its optimising compiler (a WebAssembly loop cannot switch
  // tiers in the middle of a call).
  const iterations: Record<string, number> = {};
  for (const p of PROBES) {
    for (let i = 0; i < 3; i++) rate(probes[p.name], p, 200_000);
    const r = rate(probes[p.name], p, 200_000);
    iterations[p.name] = Math.max(10_000, Math.round((r * CALL_MS * 1e-3) / p.perIteration));
  }
  const samples: Record<string, number[]> = Object.fromEntries(PROBES.map((p) => [p.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...PROBES].reverse() : PROBES;
    for (const p of order) samples[p.name].push(rate(probes[p.name], p, iterations[p.name]));
  }
  const perSecond: Record<string, number> = Object.fromEntries(PROBES.map((p) => [p.name, median(samples[p.name])]));
  const hz = perSecond.addChain;
  const probeRows = PROBES.map((p) => {
    const s = [...samples[p.name]].sort((a, b) => a - b);
    return { probe: p.name, what: p.what, gPerSecond: perSecond[p.name] / 1e9, perCycle: perSecond[p.name] / hz, min: s[0] / 1e9, max: s[s.length - 1] / 1e9 };
  });

  const fastest = (name: string) => Math.max(...samples[name]);
  const floatMacs = 4 * Math.min(fastest('f32x4Mul'), fastest('f32x4Add'));
  const scalarBits = 64 * fastest('i64XorPopcnt');
  const carrySaveBits = (128 * fastest('v128Xor')) / 6;
  const popcntBits = 128 * fastest('i8x16XorPopcnt');
  const vectorBits = Math.max(carrySaveBits, popcntBits);
  const binaryBits = scalarBits + vectorBits;
  const lookupBits = 128 * fastest('i8x16LoadAdd');
  const bounds = { binaryLookupTableInL1: lookupBits, floatMacPerSecond: floatMacs, binaryScalar: scalarBits, binaryCarrySave: carrySaveBits, binaryI8x16Popcnt: popcntBits, binaryBoth: binaryBits };

  const recorded = recordedTimes();
  const models = MODELS.map((m) => {
    const model = createModel(m.name, { seed: 1, inputShape: [...m.inputShape] });
    const totals = summary(model).totals.macs_by_bits;
    model.dispose();
    const binary = BATCH * (totals['1'] ?? 0);
    const float = BATCH * Object.entries(totals).filter(([b]) => Number(b) > 8).reduce((a, [, v]) => a + v, 0);
    const floatMs = m.floatLayersCount ? (float / floatMacs) * 1e3 : 0;
    const binaryMs = (binary / binaryBits) * 1e3;
    const rec = recorded[m.name];
    return {
      model: m.name, inputShape: m.inputShape, batch: BATCH, floatMacs: float, floatLayersCount: m.floatLayersCount, binaryMacs: binary,
      floatMsAtBound: floatMs, binaryMsAtBound: binaryMs, shortestMs: floatMs + binaryMs,
      recorded: rec, threeTimesBudgetMs: rec ? rec.ortMs / 3 : null,
      bestPossibleRatio: rec ? rec.ortMs / (floatMs + binaryMs) : null,
    };
  });

  console.log(`clock: ${(hz / 1e9).toFixed(2)} GHz (dependent adds); ${ROUNDS} rounds, medians (bounds from the fastest round)`);
  for (const r of probeRows) console.log(`  ${r.probe.padEnd(15)} ${r.gPerSecond.toFixed(2).padStart(6)} G/s  ${r.perCycle.toFixed(2)} per cycle  (${r.min.toFixed(2)}-${r.max.toFixed(2)})  ${r.what}`);
  console.log(`bounds: float ${(floatMacs / 1e9).toFixed(1)} GMAC/s; binary scalar ${(scalarBits / 1e9).toFixed(0)}, carry-save ${(carrySaveBits / 1e9).toFixed(0)}, i8x16.popcnt ${(popcntBits / 1e9).toFixed(0)}, both ${(binaryBits / 1e9).toFixed(0)} Gbit-MAC/s; lookup tables in L1 ${(lookupBits / 1e9).toFixed(0)}`);
  for (const m of models) {
    console.log(`${m.model} batch ${m.batch}: ${(m.floatMacs / 1e9).toFixed(2)} G float MACs -> >= ${m.floatMsAtBound.toFixed(1)} ms, ` +
      `${(m.binaryMacs / 1e9).toFixed(1)} G binary MACs -> >= ${m.binaryMsAtBound.toFixed(1)} ms; shortest ${m.shortestMs.toFixed(1)} ms` +
      (m.recorded ? `; ORT ${m.recorded.ortMs.toFixed(1)} ms (${m.recorded.source}, ${m.recorded.date}): 3x needs <= ${m.threeTimesBudgetMs!.toFixed(1)} ms, at best ${m.bestPossibleRatio!.toFixed(2)}x; ours ${m.recorded.oursMs.toFixed(1)} ms` : ''));
  }

  const result = {
    bench: 'roofline', date: new Date().toISOString(), machine, busyBeforeStart: busy.text, loadAverage1m: load[0],
    rounds: ROUNDS, callMs: CALL_MS, statistic: 'median over rounds of one call per probe', clockHz: hz,
    probes: probeRows, bounds, models,
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeJsonAtomic(join(import.meta.dirname, 'results', 'roofline.json'), result);

  const g = (x: number, d = 1) => (x / 1e9).toFixed(d);
  const md = [
    `## What WebAssembly allows on this CPU, one thread (\`npm run bench:roofline\`)`,
    '',
    `${result.date.slice(0, 16).replace('T', ' ')} UTC, ${machineLine(machine)}; ${busy.text}. Each probe (\`assembly/roofline-probes.ts\`) runs independent chains of one operation on registers; ${ROUNDS} interleaved rounds of about ${CALL_MS} ms per probe, medians (range over rounds). "Per cycle" divides by the rate of dependent 64-bit adds, one per cycle: ${g(hz, 2)} GHz.`,
    '',
    mdTable(['probe', 'operation', 'G per second', 'per cycle', 'range, G/s'], probeRows.map((r) => [
      r.probe, r.what, r.gPerSecond.toFixed(2), r.perCycle.toFixed(2), `${r.min.toFixed(2)}–${r.max.toFixed(2)}`,
    ])),
    '',
    `Upper bounds for kernels built from these operations in Node 20's WebAssembly, from each probe's fastest round (no loads, loop overhead or spills counted): float layers that round each product and each sum as \`model.predict\` does, **${g(floatMacs)} GMAC/s** (4 lanes, multiplies and adds on their own pipes side by side); binary multiply-accumulates by scalar XOR + POPCNT + add ${g(scalarBits, 0)} Gbit-MAC/s, by carry-save adders (at least an XOR and a full adder's five logic ops per 128-bit word) ${g(carrySaveBits, 0)}, by \`i8x16.popcnt\` ${g(popcntBits, 0)}; scalar and vector units together, as if they never competed, **${g(binaryBits, 0)} Gbit-MAC/s**. These bound kernels that count bits; a lookup-table kernel (partial sums of every pattern of 8 input bits precomputed for 16 channels per vector) would add 128 bit-MACs per load and add, at most ${g(lookupBits, 0)} Gbit-MAC/s while its tables (32 bytes per weight bit) stay in L1.`,
    '',
    mdTable(['batch 64, 1 thread', 'float MACs', 'binary MACs', 'shortest possible', 'ORT float twin (recorded)', '3× needs', 'best possible ratio', 'ours (same run as ORT)'], models.map((m) => [
      m.model, m.floatLayersCount ? `${g(m.floatMacs, 2)} G → ≥ ${m.floatMsAtBound.toFixed(1)} ms` : `${g(m.floatMacs, 2)} G (8-bit pixels: integer sums, counted as free)`, `${g(m.binaryMacs, 1)} G → ≥ ${m.binaryMsAtBound.toFixed(1)} ms`, `${m.shortestMs.toFixed(1)} ms`,
      m.recorded ? `${m.recorded.ortMs.toFixed(1)} ms (${m.recorded.source.replace('bench/results/', '')}, ${m.recorded.date.slice(0, 16).replace('T', ' ')})` : 'not recorded',
      m.threeTimesBudgetMs !== null ? `≤ ${m.threeTimesBudgetMs.toFixed(1)} ms` : '–',
      m.bestPossibleRatio !== null ? `${m.bestPossibleRatio.toFixed(2)}×` : '–',
      m.recorded ? `${m.recorded.oursMs.toFixed(1)} ms` : '–',
    ])),
  ].join('\n');
  updateBenchmarksSection('roofline', md);
}

await main();
