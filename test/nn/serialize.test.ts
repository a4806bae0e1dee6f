// Model descriptions: every saveable layer rebuilds from its getConfig() into
// a layer with the same config and variables; what a config cannot describe
// (custom constraint functions, unregistered quantizers, wrappers and
// subclasses) is refused when saving, with the reason.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { Sequential } from '../../src/nn/sequential.js';
import { QuantConv2D } from '../../src/nn/layers/quantConv2D.js';
import { QuantDense } from '../../src/nn/layers/quantDense.js';
import { QuantDepthwiseConv2D } from '../../src/nn/layers/quantDepthwiseConv2D.js';
import { QuantSeparableConv2D } from '../../src/nn/layers/quantSeparableConv2D.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { MaxPool2D } from '../../src/nn/layers/maxPool2D.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { modelToSpec, modelFromSpec, ModelFormatError } from '../../src/nn/serialize.js';
import { saveTrainingState, loadTrainingState } from '../../src/nn/checkpoint.js';
import { customQuantizer, registerQuantizer, DoReFa, SteTern, MagnitudeAwareSign, SwishSign, NoOp, weightClip } from '../../src/quantizers/index.js';
import { NoisyLayer } from '../../src/hardware/noisyLayer.js';

function zoo(): Sequential {
  return new Sequential([
    new QuantConv2D({ filters: 4, kernelSize: [3, 2], strides: [1, 1], padding: 'same', padValues: 1, inputQuantizer: new SwishSign({ beta: 3 }),
      kernelQuantizer: new MagnitudeAwareSign({ clipValue: 0.5 }), kernelConstraint: weightClip(0.7) }),
    new QuantDepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, inputQuantizer: new DoReFa({ kBit: 3 }),
      depthwiseQuantizer: new DoReFa({ kBit: 3, mode: 'weights' }), useBias: true }),
    new QuantSeparableConv2D({ filters: 5, kernelSize: 2, inputQuantizer: 'ste_sign', depthwiseQuantizer: 'ste_sign', pointwiseQuantizer: 'ste_sign',
      depthwiseConstraint: 'weight_clip', pointwiseConstraint: 'weight_clip' }),
    new Conv2D({ filters: 3, kernelSize: 1, activation: 'relu' }),
    new MaxPool2D({ poolSize: 2, strides: 1, padding: 'same' }),
    new BatchNormalization({ momentum: 0.9, epsilon: 1e-5, center: false }),
    new Flatten(),
    new Dropout(0.25),
    new QuantDense({ units: 7, inputQuantizer: new SteTern({ thresholdValue: 0.1 }), kernelQuantizer: new NoOp({ precision: 2 }) }),
    new Dense({ units: 3, useBias: false, activation: 'hard_tanh' }),
    new Activation('softmax'),
  ], { inputShape: [8, 8, 2], seed: 3, name: 'zoo' });
}

describe('model descriptions', () => {
  it('rebuild every layer kind with the same configs, variables and outputs', () => {
    const m = zoo();
    const spec = modelToSpec(m);
    const again = modelFromSpec(JSON.parse(JSON.stringify(spec)));
    expect(modelToSpec(again)).toEqual(spec);
    expect(again.variables.map((v) => [v.name, [...v.shape], v.precision, v.trainable]))
      .toEqual(m.variables.map((v) => [v.name, [...v.shape], v.precision, v.trainable]));
    for (let i = 0; i < m.variables.length; i++) again.variables[i].value.assign(m.variables[i].value);
    const x = Tensor.from(new Rng(2).fillUniform(new Float32Array(3 * 8 * 8 * 2), -1, 1), [3, 8, 8, 2]);
    expect(Array.from(again.predict(x).toArray())).toEqual(Array.from(m.predict(x).toArray()));
    // The constraints came back as constraints with their clip values.
    const clip = (c: unknown) => ({ ...(c as object) });
    expect(clip((again.layers[0] as QuantConv2D).kernelConstraint)).toEqual({ className: 'WeightClip', clipValue: 0.7 });
    expect(clip((again.layers[2] as QuantSeparableConv2D).pointwiseConstraint)).toEqual({ className: 'WeightClip', clipValue: 1 });
    m.dispose();
    again.dispose();
    x.dispose();
  });

  it('a registered custom quantizer is found again by name; an unregistered one is refused at save time', () => {
    const make = () => customQuantizer({ name: 'Clip2', precision: 2, forward: (v) => Math.max(-1, Math.min(1, Math.round(v))), gradient: () => 1 });
    const withCustom = () => new Sequential([new Flatten(), new QuantDense({ units: 2, inputQuantizer: make() })], { inputShape: [2, 2, 1] });
    const m = withCustom();
    expect(() => saveTrainingState(m, null)).toThrow(/quantizer "Clip2" is not built in and not registered/);
    registerQuantizer('Clip2', make);
    const st = loadTrainingState(saveTrainingState(m, null));
    expect((st.model.layers[1] as QuantDense).inputQuantizer?.className).toBe('Clip2');
    m.dispose();
    st.model.dispose();
  });

  it('refuses a custom constraint function', () => {
    const m = new Sequential([new Flatten(), new QuantDense({ units: 2, kernelQuantizer: 'ste_sign', kernelConstraint: (t) => t.data.fill(0) })], { inputShape: [2, 2, 1] });
    expect(() => saveTrainingState(m, null)).toThrow(/custom constraint function cannot be saved/);
    m.dispose();
  });

  it('refuses wrappers and subclasses that report a built-in class name', () => {
    const wrapped = new Sequential([new Flatten(), new NoisyLayer(new Dense({ units: 2 }), { sigma: 0.1 })], { inputShape: [2, 2, 1] });
    expect(() => saveTrainingState(wrapped, null)).toThrow(ModelFormatError);
    expect(() => saveTrainingState(wrapped, null)).toThrow(/class NoisyLayer cannot be saved/);
    class MyDense extends Dense {}
    const sub = new Sequential([new Flatten(), new MyDense({ units: 2 })], { inputShape: [2, 2, 1] });
    expect(() => saveTrainingState(sub, null)).toThrow(/class MyDense cannot be saved/);
    wrapped.dispose();
    sub.dispose();
  });

  it('reports unknown classes and broken configs in a file as ModelFormatError', () => {
    const spec = modelToSpec(zoo());
    expect(() => modelFromSpec({ ...spec, className: 'Functional' as 'Sequential' })).toThrow(/Sequential and functional Model/);
    const bad = JSON.parse(JSON.stringify(spec));
    bad.layers[3].config.filters = -2;
    expect(() => modelFromSpec(bad)).toThrow(ModelFormatError);
    bad.layers[3].config.filters = 3;
    bad.layers[0].config.kernelQuantizer = { className: 'Nope', config: {} };
    expect(() => modelFromSpec(bad)).toThrow(/quantizer "Nope" is not built in/);
  });
});
