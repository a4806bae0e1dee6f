// The work bench/browser.ts times in Node and in Chromium: the same code,
// given the library (dist/ under Node, the browser bundle of 'xnorkit' in the
// page's worker) and MNIST. A session is set up once per side and thread
// count (a BNN trained a little and packed, warm-up of every kind of work);
// then the bench asks each side for one short measurement at a time, so the
// two sides' measurements can be interleaved and compared round by round.
//   infer: images/s of InferenceModel.run on the test images for a slice
//   train: samples/s of fit (one epoch, batch 64) of a fresh larq-mnist BNN or float twin
import type * as Xnorkit from 'xnorkit';

export type Lib = Pick<typeof Xnorkit, 'createModel' | 'fit' | 'Adam' | 'exportModel' | 'loadInferenceModel' | 'setThreads' | 'take'>;

export type Measurement = { kind: 'infer'; sliceMs: number } | { kind: 'train'; float: boolean; samples: number };

export const WORK_KINDS = ['packed_binary_images_per_second', 'train_bnn_samples_per_second', 'train_float_samples_per_second'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export interface WorkSession {
  threads: number;
  /** One measurement: images/s or samples/s. */
  measure(m: Measurement): number;
  dispose(): void;
}

export function openSession(lib: Lib, train: Xnorkit.Dataset, test: Xnorkit.Dataset, threads: number): WorkSession {
  lib.setThreads(threads);
  const opt = () => new lib.Adam();
  // a BNN trained a little (BatchNorm statistics set, realistic sign patterns), packed
  const bnn = lib.createModel('larq-mnist', { seed: 1 });
  lib.fit(bnn, lib.take(train, 512), { epochs: 1, batchSize: 64, optimizer: opt(), seed: 1, verbose: 'quiet' });
  const engine = lib.loadInferenceModel(lib.exportModel(bnn));
  const fitOnce = (float: boolean, samples: number): number => {
    if (samples > train.count) throw new Error(`a training measurement of ${samples} samples needs that many training images (have ${train.count})`);
    const model = lib.createModel('larq-mnist', { float, seed: 1 });
    const optimizer = opt();
    try {
      const data = lib.take(train, samples);
      const t0 = performance.now();
      lib.fit(model, data, { epochs: 1, batchSize: 64, optimizer, seed: 1, verbose: 'quiet' });
      return samples / ((performance.now() - t0) / 1000);
    } finally {
      // the WASM heap must not grow round after round (a memory.grow inside a timed slice)
      model.dispose();
      optimizer.dispose();
    }
  };
  // warm-up: every code path compiled and tiered up before the first measurement
  for (let i = 0; i < 5; i++) engine.run(test.images);
  fitOnce(false, Math.min(train.count, 640));
  fitOnce(true, Math.min(train.count, 640));
  return {
    threads,
    measure(m) {
      lib.setThreads(threads);
      if (m.kind === 'train') return fitOnce(m.float, m.samples);
      let n = 0;
      const t0 = performance.now();
      do {
        engine.run(test.images);
        n += test.count;
      } while (performance.now() - t0 < m.sliceMs);
      return n / ((performance.now() - t0) / 1000);
    },
    dispose: () => engine.dispose(),
  };
}

/** The measurement behind each reported kind of work. */
export function measurementOf(kind: WorkKind, o: { inferSliceMs: number; trainSamples: number }): Measurement {
  if (kind === 'packed_binary_images_per_second') return { kind: 'infer', sliceMs: o.inferSliceMs };
  return { kind: 'train', float: kind === 'train_float_samples_per_second', samples: o.trainSamples };
}
