// Chromium side of bench/browser.ts: a Web Worker (threads need one: a page's
// main thread may not block) holding a bench/browserWork.ts session on the
// browser bundle of 'xnorkit'. Messages: { open: {threads, trainSamples,
// testSamples} } sets a session up; { measure } runs one measurement in it.
import * as xnorkit from 'xnorkit';
import { openSession, type Measurement, type WorkSession } from './browserWork.js';

let data: [xnorkit.Dataset, xnorkit.Dataset] | null = null;
let session: WorkSession | null = null;

type Message = { open: { threads: number; trainSamples: number; testSamples: number } } | { measure: Measurement };

self.onmessage = async (e: MessageEvent<Message>) => {
  const reply = (m: unknown) => (self as unknown as Worker).postMessage(m);
  try {
    const msg = e.data;
    if ('open' in msg) {
      const o = msg.open;
      session?.dispose();
      await xnorkit.init({ wasm: '/build/xnorkit.wasm', threads: o.threads });
      data ??= await Promise.all([
        xnorkit.fetchMnist({ images: '/data/train-images-idx3-ubyte', labels: '/data/train-labels-idx1-ubyte', limit: o.trainSamples }),
        xnorkit.fetchMnist({ images: '/data/t10k-images-idx3-ubyte', labels: '/data/t10k-labels-idx1-ubyte', limit: o.testSamples }),
      ]);
      if (xnorkit.runtime().settings.threads !== o.threads) throw new Error(`the page runs ${xnorkit.runtime().settings.threads} thread(s), ${o.threads} asked`);
      session = openSession(xnorkit, data[0], data[1], o.threads);
      reply({ ok: true, isolated: self.crossOriginIsolated, ua: navigator.userAgent });
    } else {
      if (!session) throw new Error('measure before open');
      reply({ ok: session.measure(msg.measure) });
    }
  } catch (err) {
    reply({ error: String((err as Error).stack ?? err) });
  }
};
