// Bundled for test/browser/platform.test.ts: trains a small BNN through the
// browser bundle of 'xnorkit' and reports what it computed. Runs as a page
// script (window.probe) or inside a Web Worker (the same file).
import * as xnorkit from 'xnorkit';

export interface ProbeResult {
  threads: number;
  isolated: boolean;
  losses: number[];
  logits: number[];
}

async function probe(threads: number): Promise<ProbeResult> {
  const r = await xnorkit.init({ wasm: '/build/xnorkit.wasm', threads });
  const train = await xnorkit.fetchMnist({ images: '/data/train-images-idx3-ubyte', labels: '/data/train-labels-idx1-ubyte', limit: 256 });
  const model = xnorkit.createModel('larq-mnist', { seed: 5 });
  const losses: number[] = [];
  xnorkit.fit(model, train, {
    epochs: 1, batchSize: 64, optimizer: new xnorkit.Adam(), seed: 5, verbose: 'quiet', onBatchEnd: (_s, m) => losses.push(m.loss),
  });
  const logits = xnorkit.loadInferenceModel(xnorkit.exportModel(model)).run(train.images.subarray(0, 8 * 784)).logits;
  return { threads: r.threads, isolated: self.crossOriginIsolated, losses, logits: Array.from(logits) };
}

const g = globalThis as unknown as { document?: unknown; probe?: typeof probe; onmessage: unknown; postMessage(m: unknown): void };
if (g.document !== undefined) g.probe = probe;
else g.onmessage = async (e: MessageEvent<number>) => g.postMessage(await probe(e.data).catch((err: Error) => ({ error: String(err.stack ?? err) })));
