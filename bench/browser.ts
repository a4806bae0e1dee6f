// The packed binary engine and training throughput in Chromium vs Node on
// this machine, same thread counts, same code (bench/browserWork.ts): the
// browser side runs the esbuild browser bundle of 'xnorkit' in a Web Worker
// of a cross-origin isolated page (threads = Web Workers over the shared
// WebAssembly memory), driven by puppeteer-core in Debian's headless
// chromium. Writes bench/results/browser.json and the "browser" section of
// BENCHMARKS.md.
//
//   npm run bench:browser [-- --threads 1,2] [-- --train-samples 3200] [-- --rounds 3]
import { mkdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeJsonAtomic } from '../src/util/files.js';
import { join } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import * as lib from 'xnorkit';

import { serveIsolated, libraryRoutes } from '../demo/server.js';
import { runWork, type WorkOptions, type WorkResult } from './browserWork.js';
import { machineInfo, machineLine } from './machine.js';
import { updateBenchmarksSection, mdTable } from './benchmarksMd.js';

const argOf = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const threadsList = argOf('threads', '1,2').split(',').map(Number);
const base = { trainSamples: Number(argOf('train-samples', '3200')), inferSeconds: Number(argOf('infer-seconds', '1.5')), rounds: Number(argOf('rounds', '3')) };
const testSamples = 1024;
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromium) throw new Error('bench:browser needs Debian chromium (apt-get install chromium)');

const load0 = loadavg();
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
const inChromium: WorkResult[] = [];
const inNode: WorkResult[] = [];
const train = lib.loadMnist({ split: 'train', limit: base.trainSamples });
const test = lib.loadMnist({ split: 'test', limit: testSamples });
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const medianResult = (rs: WorkResult[]): WorkResult => ({
  threads: rs[0].threads,
  packed_binary_images_per_second: median(rs.map((r) => r.packed_binary_images_per_second)),
  train_bnn_samples_per_second: median(rs.map((r) => r.train_bnn_samples_per_second)),
  train_float_samples_per_second: median(rs.map((r) => r.train_float_samples_per_second)),
});
try {
  for (const threads of threadsList) {
    // one measurement at a time, alternating Node and Chromium, so that the
    // machine's load changes hit both sides alike; medians over the rounds
    const o: WorkOptions = { ...base, rounds: 1, threads };
    const tab = await browser.newPage();
    await tab.goto(server.url);
    const node: WorkResult[] = [];
    const chrome: WorkResult[] = [];
    for (let round = 0; round < base.rounds; round++) {
      node.push(runWork(lib, train, test, o));
      const r = await tab.evaluate((opts) => (window as unknown as { runBench(o: unknown): Promise<{ ok?: WorkResult; error?: string; isolated: boolean }> }).runBench(opts), { ...o, testSamples });
      if (!r.ok) throw new Error(`in Chromium: ${r.error}`);
      if (!r.isolated) throw new Error('the bench page is not cross-origin isolated');
      chrome.push(r.ok);
      console.log(`${threads} thread(s), round ${round + 1}: node`, node.at(-1), 'chromium', r.ok);
    }
    await tab.close();
    inNode.push(medianResult(node));
    inChromium.push(medianResult(chrome));
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
lib.setThreads(1);

const machine = machineInfo();
const load1 = loadavg();
const keys = ['packed_binary_images_per_second', 'train_bnn_samples_per_second', 'train_float_samples_per_second'] as const;
const names = { packed_binary_images_per_second: 'packed binary engine (images/s)', train_bnn_samples_per_second: 'training, BNN (samples/s)', train_float_samples_per_second: 'training, float twin (samples/s)' };
const rows = threadsList.flatMap((t, i) => keys.map((k) => [names[k], t, inNode[i][k].toFixed(0), inChromium[i][k].toFixed(0), (inChromium[i][k] / inNode[i][k]).toFixed(2)]));
writeJsonAtomic(join(out, 'browser.json'), { machine, chromium: chromeVersion, load: [load0, load1], options: { ...base, testSamples }, node: inNode, chromium_results: inChromium });
const md = `## Browser vs Node (bench/browser.ts)

${machineLine(machine)}; ${chromeVersion} (headless, Debian chromium via puppeteer-core); load average ${load0.map((l) => l.toFixed(2)).join(' ')} at start, ${load1.map((l) => l.toFixed(2)).join(' ')} at end.
Same code (bench/browserWork.ts) in Node (the package's Node entry, dist/) and in a Web Worker of a cross-origin isolated page (the esbuild browser bundle of \`xnorkit\`; threads are Web Workers over the shared WebAssembly memory). Packed engine: InferenceModel.run of ${testSamples} MNIST test images, ≥${base.inferSeconds} s per measurement; training: fit of larq-mnist on ${base.trainSamples} samples, batch 64, after a warm-up; ${base.rounds} rounds alternating Node and Chromium, medians. Ratio = Chromium / Node.${load0[0] > machine.cores * 1.5 ? ` Provisional: measured under load (load average ${load0[0].toFixed(1)} on ${machine.cores} cores); rerun on an idle machine.` : ''}

${mdTable(['work', 'threads', 'Node', 'Chromium', 'ratio'], rows)}
`;
updateBenchmarksSection('browser', md);
console.log(md);
