// larq-mnist's float twin (ReLU) in tf.layers, for the benches that time
// tfjs-wasm: the same layers as src/nn/models/larqMnist.ts (random weights;
// the float kernels' speed does not depend on the values).
import type { Tf } from './tfjs-wasm.js';

export function tfjsFloatTwin(tf: Tf) {
  const bn = () => tf.layers.batchNormalization({ scale: false, momentum: 0.99, epsilon: 1e-3 });
  const relu = () => tf.layers.activation({ activation: 'relu' });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, useBias: false }),
      tf.layers.maxPooling2d({ poolSize: 2 }), bn(), relu(),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }),
      tf.layers.maxPooling2d({ poolSize: 2 }), bn(), relu(),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }), bn(),
      tf.layers.flatten(), relu(),
      tf.layers.dense({ units: 64, useBias: false }), bn(), relu(),
      tf.layers.dense({ units: 10, useBias: false }), bn(),
    ],
  });
}
