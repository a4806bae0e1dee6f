// The packed binary engine and training throughput in Chromium vs Node on
// this machine, same thread counts, same code (bench/browserWork.ts): the
// browser side runs the esbuild browser bundle of 'xnorkit' in a Web Worker
// of a cross-origin isolated page (threads = Web Workers over the shared
// WebAssembly memory), driven by puppeteer-core in Debian's headless
// chromium. Each side holds a session; the bench asks them for one short
// measurement at a time, Node and Chromium back to back (order swapped every
// round), and reports the median of the per-round ratios: this VM has
// stretches of several seconds in which every process runs much slower, and
// only measurements taken side by side stay comparable. Writes
// bench/results/browser.json and the "browser" section of BENCHMARKS.md.
//
//   npm run bench:browser [-- --threads 1,2] [-- --rounds 15] [-- --train-samples 640] [-- --infer-ms 300]
import { mkdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeJsonAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import * as lib from 'xnorkit';

import { serveIsolated, libraryRoutes } from '../demo/server.js';
import { openSession, measurementOf, WORK_KINDS, type Measurement, type WorkKind } from './browserWork.js';
import { machineInfo, machineLine } from './machine.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';
import { median, quantile } from './pairedTiming.js';
import { machineBusy, describeBusy } from './machineBusy.js';

const argOf = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const threadsList = argOf('threads', '1,2').split(',').map(Number);
const base = { trainSamples: Number(argOf('train-samples', '640')), inferSliceMs: Number(argOf('infer-ms', '300')), rounds: Number(argOf('rounds', '15')) };
const testSamples = 1024;
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromium) throw new Error('bench:browser needs Debian chromium (apt-get install chromium)');

const load0 = loadavg();
const busy = describeBusy(await machineBusy());
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });

// ---- Chromium
const bundle = await build({ entryPoints: [join(import.meta.dirname, 'browserWorker.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'warning' });
const page = '<!doctype html><script type="module">const w = new Worker("worker.js", { type: "module" }); window.runBench = (o) => new Promise((r) => { w.onmessage = (e) => r(e.data); w.postMessage(o); });</script>';
const server = await serveIsolated({
  ...libraryRoutes(), '/': () => ['text/html', new TextEncoder().encode(page)], '/worker.js': () => ['text/javascript', bundle.outputFiles[0].contents],
}, { port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'xnorkit-bench-chromium-'));
const browser = await puppeteer.launch({
  executablePath: chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
});
const chromeVersion = await browser.version();
const train = lib.loadMnist({ split: 'train', limit: base.trainSamples });
const test = lib.loadMnist({ split: 'test', limit: testSamples });
interface Row { threads: number; kind: WorkKind; node: number; chromium: number; ratio: number; ratioIqr: [number, number]; nodeSpread: [number, number]; chromiumSpread: [number, number] }
const rowsOut: Row[] = [];
type Reply = { ok?: number | true; error?: string; isolated?: boolean };
try {
  for (const threads of threadsList) {
    const tab = await browser.newPage();
    await tab.goto(server.url);
    const ask = async (msg: unknown): Promise<Reply> => {
      const r = await tab.evaluate((m) => (window as unknown as { runBench(m: unknown): Promise<Reply> }).runBench(m), msg as never);
      if (r.error) throw new Error(`in Chromium: ${r.error}`);
      return r;
    };
    const opened = await ask({ open: { threads, trainSamples: base.trainSamples, testSamples } });
    if (!opened.isolated) throw new Error('the bench page is not cross-origin isolated');
    const node = openSession(lib, train, test, threads);
    const inNode = (m: Measurement) => node.measure(m);
    const inChromium = async (m: Measurement) => (await ask({ measure: m })).ok as number;
    const samples = new Map<WorkKind, { node: number[]; chromium: number[] }>(WORK_KINDS.map((k) => [k, { node: [], chromium: [] }]));
    for (let round = 0; round < base.rounds; round++) {
      for (const kind of WORK_KINDS) {
        const m = measurementOf(kind, base);
        const s = samples.get(kind)!;
        if (round % 2 === 0) { s.node.push(inNode(m)); s.chromium.push(await inChromium(m)); }
        else { s.chromium.push(await inChromium(m)); s.node.push(inNode(m)); }
      }
      console.log(`${threads} thread(s), round ${round + 1}/${base.rounds}: ${WORK_KINDS.map((k) => `${k} node ${samples.get(k)!.node.at(-1)!.toFixed(0)} chromium ${samples.get(k)!.chromium.at(-1)!.toFixed(0)}`).join('; ')}`);
    }
    node.dispose();
    await tab.close();
    for (const kind of WORK_KINDS) {
      const s = samples.get(kind)!;
      const ratios = s.chromium.map((c, i) => c / s.node[i]);
      rowsOut.push({
        threads, kind, node: median(s.node), chromium: median(s.chromium), ratio: median(ratios), ratioIqr: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
        nodeSpread: [Math.min(...s.node), Math.max(...s.node)], chromiumSpread: [Math.min(...s.chromium), Math.max(...s.chromium)],
      });
    }
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
lib.setThreads(1);

const machine = machineInfo();
const load1 = loadavg();
const names: Record<WorkKind, string> = { packed_binary_images_per_second: 'packed binary engine (images/s)', train_bnn_samples_per_second: 'training, BNN (samples/s)', train_float_samples_per_second: 'training, float twin (samples/s)' };
const rows = rowsOut.map((r) => [names[r.kind], r.threads, r.node.toFixed(0), r.chromium.toFixed(0), `**${r.ratio.toFixed(2)}**`, `${r.ratioIqr[0].toFixed(2)}–${r.ratioIqr[1].toFixed(2)}`, `${r.nodeSpread[0].toFixed(0)}–${r.nodeSpread[1].toFixed(0)}`]);
writeJsonAtomic(join(out, 'browser.json'), { machine, chromium: chromeVersion, busyBeforeStart: busy.text, load: [load0, load1], options: { ...base, testSamples }, statistic: 'ratio: median over rounds of Chromium/Node measured back to back; throughputs: medians over rounds', rows: rowsOut });
const md = `## Browser vs Node (bench/browser.ts)

${machineLine(machine)}; ${chromeVersion} (headless, Debian chromium via puppeteer-core); ${busy.text}; load average ${load0.map((l) => l.toFixed(2)).join(' ')} at start, ${load1.map((l) => l.toFixed(2)).join(' ')} at end.
Same code (bench/browserWork.ts) in Node (the package's Node entry, dist/) and in a Web Worker of a cross-origin isolated page (the esbuild browser bundle of \`xnorkit\`; threads are Web Workers over the shared WebAssembly memory). Packed engine: InferenceModel.run of ${testSamples} MNIST test images for ${base.inferSliceMs} ms per measurement; training: one epoch of fit of a fresh larq-mnist on ${base.trainSamples} samples, batch 64. Each side is warmed up, then ${base.rounds} rounds, each taking one measurement of each kind on both sides back to back (order swapped every round). Ratio = Chromium / Node: the median of the per-round ratios, with their interquartile range; Node's range over the rounds shows how much the machine's speed moved during the run (this VM has stretches of several seconds in which every process runs much slower, which made ratios of medians taken seconds apart unstable).${busy.provisional ? ' Provisional: other processes were running (see above); rerun on an idle machine.' : ''}

${mdTable(['work', 'threads', 'Node (median)', 'Chromium (median)', 'ratio', 'ratio IQR', 'Node range over rounds'], rows)}
`;
updateBenchmarksSection('browser', md);
console.log(md);
