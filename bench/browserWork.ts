// The work bench/browser.ts times in Node and in Chromium: the same code,
// given the library (src under Node, the browser bundle of 'xnorkit' in the
// page's worker) and MNIST. Packed binary engine: images/s of
// InferenceModel.run on the test images; training: samples/s of fit on the
// larq-mnist BNN and its float twin (batch 64), each after a warm-up.
import type * as Xnorkit from 'xnorkit';

export type Lib = Pick<typeof Xnorkit, 'createModel' | 'fit' | 'Adam' | 'exportModel' | 'loadInferenceModel' | 'setThreads' | 'take'>;

export interface WorkOptions {
  threads: number;
  trainSamples: number;
  /** Seconds each inference measurement runs at least. */
  inferSeconds: number;
  rounds: number;
}

export interface WorkResult {
  threads: number;
  packed_binary_images_per_second: number;
  train_bnn_samples_per_second: number;
  train_float_samples_per_second: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export function runWork(lib: Lib, train: Xnorkit.Dataset, test: Xnorkit.Dataset, o: WorkOptions): WorkResult {
  lib.setThreads(o.threads);
  const opt = () => new lib.Adam();
  // a BNN trained a little (BatchNorm statistics set), packed
  const bnn = lib.createModel('larq-mnist', { seed: 1 });
  lib.fit(bnn, lib.take(train, 512), { epochs: 1, batchSize: 64, optimizer: opt(), seed: 1, verbose: 'quiet' });
  const engine = lib.loadInferenceModel(lib.exportModel(bnn));
  engine.run(test.images);
  const infer: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < o.inferSeconds * 1000) {
      engine.run(test.images);
      n += test.count;
    }
    infer.push(n / ((performance.now() - t0) / 1000));
  }
  engine.dispose();
  const training = (float: boolean): number => {
    const data = lib.take(train, o.trainSamples);
    const warm = lib.createModel('larq-mnist', { float, seed: 2 });
    lib.fit(warm, lib.take(train, 20 * 64), { epochs: 1, batchSize: 64, optimizer: opt(), seed: 2, verbose: 'quiet' });
    const rates: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const model = lib.createModel('larq-mnist', { float, seed: 1 });
      const t0 = performance.now();
      lib.fit(model, data, { epochs: 1, batchSize: 64, optimizer: opt(), seed: 1, verbose: 'quiet' });
      rates.push(data.count / ((performance.now() - t0) / 1000));
    }
    return median(rates);
  };
  return {
    threads: o.threads,
    packed_binary_images_per_second: median(infer),
    train_bnn_samples_per_second: training(false),
    train_float_samples_per_second: training(true),
  };
}
