// The demo's training worker: the library runs here (kernels on Web Workers
// over the shared memory when the page is cross-origin isolated), so the
// page stays responsive and charts update while a model trains.
import {
  init, createModel, fitAsync, evaluate, Adam, exportModel, loadInferenceModel, fetchMnist, runSweepAsync, modelToSpec, modelFromSpec,
  type Dataset, type Model,
} from 'xnorkit';
import type { FromWorker, ModelKey, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let test: Dataset | null = null;
const models = new Map<ModelKey, Model>();

/**
 * larq-mnist with BatchNorm momentum 0.9: the moving statistics a test uses
 * must catch up within the few hundred steps of an in-tab run (Keras' 0.99
 * needs thousands; with it the float twin tests at ~50 % after 256 steps).
 */
function demoModel(float: boolean, seed: number): Model {
  const spec = modelToSpec(createModel('larq-mnist', { float, seed }));
  for (const l of spec.layers) if (l.className === 'batch_normalization') (l.config as { momentum: number }).momentum = 0.9;
  return modelFromSpec(spec);
}

async function train(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const { threads } = await init({ wasm: '/build/xnorkit.wasm', threads: msg.threads });
  const [train, testSet] = await Promise.all([
    fetchMnist({ images: '/data/train-images-idx3-ubyte', labels: '/data/train-labels-idx1-ubyte', limit: msg.trainN }),
    fetchMnist({ images: '/data/t10k-images-idx3-ubyte', labels: '/data/t10k-labels-idx1-ubyte', limit: msg.testN }),
  ]);
  test = testSet;
  post({ type: 'ready', threads, isolated: self.crossOriginIsolated, trainN: train.count, testN: test.count });
  for (const key of ['float', 'bnn'] as const) {
    const model = demoModel(key === 'float', msg.seed);
    const steps = Math.ceil(train.count / msg.batchSize);
    let epoch = 1;
    const t0 = performance.now();
    await fitAsync(model, train, {
      epochs: msg.epochs, batchSize: msg.batchSize, optimizer: new Adam({ learningRate: 0.001 }), seed: msg.seed, verbose: 'quiet',
      validationData: test,
      onBatchEnd: (step, m) => post({ type: 'step', model: key, step: (epoch - 1) * steps + step, epoch, loss: m.loss, accuracy: m.accuracy }),
      onEpochEnd: (log) => {
        post({ type: 'epoch', model: key, epoch: log.epoch, valAccuracy: log.val_accuracy ?? NaN });
        epoch = log.epoch + 1;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const acc = evaluate(model, test).accuracy;
    const xnk = exportModel(model, { meta: { classNames: test.classNames } });
    const engine = loadInferenceModel(xnk);
    engine.run(test.images); // warm-up
    const t1 = performance.now();
    let runs = 0;
    while (performance.now() - t1 < 300 || runs < 2) {
      engine.run(test.images);
      runs++;
    }
    const inferImagesPerSecond = (runs * test.count) / ((performance.now() - t1) / 1000);
    engine.dispose();
    models.set(key, model);
    const parameters = model.variables.reduce((n, v) => n + v.size, 0);
    post({
      type: 'trained', model: key, testAccuracy: acc, xnk, parameters, seconds,
      trainSamplesPerSecond: (msg.epochs * train.count) / seconds, inferImagesPerSecond,
    }, [xnk.buffer as ArrayBuffer]);
  }
}

async function sweep(msg: Extract<ToWorker, { type: 'sweep' }>): Promise<void> {
  if (!test) throw new Error('train the models first');
  const t0 = performance.now();
  for (const key of ['float', 'bnn'] as const) {
    const model = models.get(key)!;
    await runSweepAsync([{ trainLevel: null, model }], test, {
      kind: msg.kind, levels: msg.levels, chips: msg.chips, seed: 1,
      onPoint: (p) => post({ type: 'sweepPoint', kind: msg.kind, model: key, level: p.level, mean: p.mean, min: p.min, max: p.max, clean: p.clean_accuracy }),
    });
  }
  post({ type: 'sweepDone', kind: msg.kind, seconds: (performance.now() - t0) / 1000 });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  const job = msg.type === 'train' ? train(msg) : sweep(msg);
  job.catch((err: Error) => post({ type: 'error', message: `${err.name}: ${err.message}` }));
};
