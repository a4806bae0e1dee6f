// The demo page in headless Chromium (Debian's `chromium`, driven by
// puppeteer-core): it loads cross-origin isolated, trains the float twin and
// the BNN on a small MNIST subset in the tab (2 threads: Web Workers over the
// shared WebAssembly memory), shows both results, predicts a drawn digit
// with xnorkit/infer, and runs a chip sweep and draws its chart -- with no
// console error. XNORKIT_DEMO_SCREENSHOT=path saves a screenshot.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startDemoServer, type DemoServer } from '../../demo/server.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const MINUTES = 60_000;

describe.skipIf(!chromium)(`demo page in headless Chromium${chromium ? '' : ' (SKIPPED: Debian `chromium` is not installed; apt-get install chromium)'}`, () => {
  let server: DemoServer;
  let browser: Browser;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startDemoServer({ port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'xnorkit-chromium-'));
    browser = await puppeteer.launch({
      executablePath: chromium, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', `--user-data-dir=${profile}`],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1150, height: 1500 });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}?train=4096&test=500&epochs=2&batch=32&threads=2&chips=3`, { waitUntil: 'load' });
  }, 5 * MINUTES);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('is cross-origin isolated and trains both models to a sane accuracy on 2 threads', async () => {
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await page.click('#train');
    await page.waitForSelector('body[data-trained]', { timeout: 15 * MINUTES });
    expect(await page.$eval('body', (b) => b.dataset.threads)).toBe('2');
    const rows = await page.$$eval('#compare tbody tr', (trs) => trs.map((t) => ({ acc: Number(t.dataset.accuracy), bytes: Number(t.dataset.bytes) })));
    console.log('demo test accuracies (4096 training images, 2 epochs, batch 32):', rows);
    expect(rows[0].acc).toBeGreaterThan(0.8); // float twin
    expect(rows[1].acc).toBeGreaterThan(0.6); // BNN
    expect(rows[1].bytes * 10).toBeLessThan(rows[0].bytes); // the packed BNN is much smaller
    // live training curves were drawn: points arrived and the SVG has lines
    expect(Number(await page.$eval('#lossChart', (e) => (e as HTMLElement).dataset.points))).toBeGreaterThan(20);
    expect(await page.$$eval('#lossChart svg path', (p) => p.length)).toBeGreaterThan(1);
    expect(errors).toEqual([]);
  }, 16 * MINUTES);

  it('predicts a drawn digit with both models', async () => {
    const box = (await (await page.$('#pad'))!.boundingBox())!;
    // a "7": a top bar and a diagonal stroke
    await page.mouse.move(box.x + 80, box.y + 70);
    await page.mouse.down();
    for (const [x, y] of [[200, 70], [180, 120], [150, 180], [130, 230]]) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
    await page.mouse.up();
    await page.waitForSelector('#predictions[data-float][data-bnn]', { timeout: MINUTES });
    const pred = await page.$eval('#predictions', (e) => { const d = (e as HTMLElement).dataset; return { float: Number(d.float), bnn: Number(d.bnn), text: e.textContent }; });
    console.log('drawn "7" predicted as', pred.float, '(float)', pred.bnn, '(BNN)');
    for (const c of [pred.float, pred.bnn]) expect(c >= 0 && c <= 9).toBe(true);
    expect(pred.text).toContain('BNN');
    expect(errors).toEqual([]);
  });

  it('runs an accumulator-bits sweep on simulated chips and draws its chart', async () => {
    await page.click('input[name=kind][value=saturation]');
    await page.click('#sweep');
    await page.waitForSelector('#sweepChart[data-done=saturation]', { timeout: 10 * MINUTES });
    expect(Number(await page.$eval('#sweepChart', (e) => (e as HTMLElement).dataset.points))).toBe(12); // 6 levels x 2 models
    expect(await page.$$eval('#sweepChart svg path', (p) => p.length)).toBeGreaterThan(2);
    const shot = process.env.XNORKIT_DEMO_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
    expect(errors).toEqual([]);
  }, 11 * MINUTES);
});
