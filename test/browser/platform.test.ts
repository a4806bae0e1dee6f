// The browser platform in headless Chromium: the library's browser bundle
// trains the same model to the same numbers as Node -- in a Web Worker with
// 2 kernel threads (cross-origin isolated page), on a page's main thread
// with 2 threads (it cannot block, so it polls its workers), and in a Worker
// of a page without COOP/COEP, where init() falls back to one thread.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import puppeteer, { type Browser } from 'puppeteer-core';
import { serveIsolated, libraryRoutes, type DemoServer, type Routes } from '../../demo/server.js';
import { createModel, fit, Adam, loadMnist, exportModel, loadInferenceModel, setThreads } from '../../src/index.js';
import type { ProbeResult } from './platformProbe.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const PAGE = '<!doctype html><script type="module" src="probe.js"></script>';
const inWorker = (threads: number) => `new Promise((resolve) => { const w = new Worker('probe.js', { type: 'module' }); w.onmessage = (e) => resolve(e.data); w.postMessage(${threads}); })`;

function nodeReference(): Omit<ProbeResult, 'isolated'> {
  setThreads(1);
  const train = loadMnist({ split: 'train', limit: 256 });
  const model = createModel('larq-mnist', { seed: 5 });
  const losses: number[] = [];
  fit(model, train, { epochs: 1, batchSize: 64, optimizer: new Adam(), seed: 5, verbose: 'quiet', onBatchEnd: (_s, m) => losses.push(m.loss) });
  const logits = loadInferenceModel(exportModel(model)).run(train.images.subarray(0, 8 * 784)).logits;
  return { threads: 1, losses, logits: Array.from(logits) };
}

describe.skipIf(!chromium)(`browser platform in headless Chromium${chromium ? '' : ' (SKIPPED: Debian `chromium` is not installed)'}`, () => {
  let isolated: DemoServer;
  let plain: Server;
  let plainUrl: string;
  let browser: Browser;
  let profile: string;
  let want: Omit<ProbeResult, 'isolated'>;

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [join(import.meta.dirname, 'platformProbe.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'warning' });
    const routes: Routes = { ...libraryRoutes(), '/': () => ['text/html', new TextEncoder().encode(PAGE)], '/probe.js': () => ['text/javascript', bundle.outputFiles[0].contents] };
    isolated = await serveIsolated(routes, { port: 0 });
    // the same files without COOP/COEP: no SharedArrayBuffer, so one thread
    plain = createServer((req, res) => {
      const f = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (!f) return void res.writeHead(404).end();
      const [type, body] = f();
      res.writeHead(200, { 'Content-Type': type }).end(body);
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
    profile = mkdtempSync(join(tmpdir(), 'xnorkit-chromium-'));
    browser = await puppeteer.launch({
      executablePath: chromium, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
    });
    want = nodeReference();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await isolated?.close();
    plain?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function run(url: string, script: string): Promise<ProbeResult> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction('typeof window.probe === "function"');
    const r = (await page.evaluate(script)) as ProbeResult & { error?: string };
    await page.close();
    expect(r.error, r.error).toBeUndefined();
    expect(errors).toEqual([]);
    return r;
  }

  it('in a Worker of an isolated page, 2 threads: the numbers of Node', async () => {
    const r = await run(isolated.url, inWorker(2));
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.losses).toEqual(want.losses);
    expect(r.logits).toEqual(want.logits);
  }, 300_000);

  it("on an isolated page's main thread, 2 threads (polling, no Atomics.wait): the same numbers", async () => {
    const r = await run(isolated.url, 'window.probe(2)');
    expect(r.threads).toBe(2);
    expect(r.losses).toEqual(want.losses);
    expect(r.logits).toEqual(want.logits);
  }, 300_000);

  it('without cross-origin isolation, init() falls back to one thread: the same numbers', async () => {
    const r = await run(plainUrl, inWorker(2));
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.losses).toEqual(want.losses);
    expect(r.logits).toEqual(want.logits);
  }, 300_000);
});
