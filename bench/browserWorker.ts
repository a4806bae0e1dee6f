// Chromium side of bench/browser.ts: a Web Worker (threads need one: a page's
// main thread may not block) running bench/browserWork.ts on the browser
// bundle of 'xnorkit'.
import * as xnorkit from 'xnorkit';
import { runWork, type WorkOptions } from './browserWork.js';

let data: [xnorkit.Dataset, xnorkit.Dataset] | null = null;

self.onmessage = async (e: MessageEvent<WorkOptions & { testSamples: number }>) => {
  try {
    const o = e.data;
    await xnorkit.init({ wasm: '/build/xnorkit.wasm', threads: o.threads });
    data ??= await Promise.all([
      xnorkit.fetchMnist({ images: '/data/train-images-idx3-ubyte', labels: '/data/train-labels-idx1-ubyte', limit: o.trainSamples }),
      xnorkit.fetchMnist({ images: '/data/t10k-images-idx3-ubyte', labels: '/data/t10k-labels-idx1-ubyte', limit: o.testSamples }),
    ]);
    const [train, test] = data;
    (self as unknown as Worker).postMessage({ ok: runWork(xnorkit, train, test, o), isolated: self.crossOriginIsolated, ua: navigator.userAgent });
  } catch (err) {
    (self as unknown as Worker).postMessage({ error: String((err as Error).stack ?? err) });
  }
};
