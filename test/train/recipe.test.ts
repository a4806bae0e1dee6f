// Recipes: names resolve to full settings, single options override them,
// `auto` picks by model kind, the Larq tutorial's settings stay exact, and
// the warm-up schedule and augmentation hook do what they say.
import { describe, it, expect } from 'vitest';
import { autoRecipe, resolveRecipe, recipeSchedule, recipeModelOptions, RECIPES, describeRecipe } from '../../src/train/recipe.js';
import { cosineDecay, scheduleFromConfig, type LearningRateSchedule } from '../../src/optim/schedules.js';
import { createModel } from '../../src/nn/models/index.js';
import { BatchNormalization } from '../../src/nn/layers/batchNormalization.js';

describe('recipes', () => {
  it('larq is the tutorial: Adam 1e-3, constant, model BN momentum, glorot, no augmentation', () => {
    const r = resolveRecipe('larq', {});
    expect(r).toMatchObject({ learningRate: 1e-3, schedule: 'constant', warmupEpochs: 0, optimizer: 'adam', batchNormMomentum: null, kernelInitializer: null });
    expect(r.augment).toEqual({ shift: 0, flip: false });
    expect(recipeSchedule(r, 6, 938)).toBe(1e-3);
    expect(recipeModelOptions(r)).toEqual({});
  });

  it('bnn: Adam with peak rate 1e-2 and cosine decay to 0, BatchNorm momentum 0.9, no augmentation', () => {
    const r = resolveRecipe('bnn', {});
    expect(r).toMatchObject({ learningRate: 1e-2, schedule: 'cosine', warmupEpochs: 0, optimizer: 'adam', batchNormMomentum: 0.9, kernelInitializer: null });
    expect(r.augment).toEqual({ shift: 0, flip: false });
    const s = recipeSchedule(r, 6, 938) as LearningRateSchedule;
    expect(s(0)).toBeCloseTo(1e-2, 12);
    expect(s(3 * 938)).toBeCloseTo(5e-3, 12);
    expect(s(6 * 938)).toBeCloseTo(0, 12);
    expect(recipeModelOptions(r)).toEqual({ batchNormMomentum: 0.9 });
  });

  it('float: Adam with peak rate 3e-3 and cosine decay, the model\'s BatchNorm momentum', () => {
    const r = resolveRecipe('float', {});
    expect(r).toMatchObject({ learningRate: 3e-3, schedule: 'cosine', optimizer: 'adam', batchNormMomentum: null });
    expect(r.augment).toEqual({ shift: 0, flip: false });
  });

  it('auto names what it picked and why', () => {
    expect(autoRecipe({})).toEqual({ name: 'bnn', reason: '1-bit model' });
    expect(autoRecipe({ dataset: 'fashion-mnist' })).toMatchObject({ name: 'bnn-warmup' });
    expect(autoRecipe({ dataset: 'cifar10' })).toEqual({ name: 'bnn', reason: '1-bit model' });
    expect(autoRecipe({ dataset: 'mnist' })).toMatchObject({ name: 'bnn', augment: { shift: 1, flip: false } });
    expect(autoRecipe({ float: true, dataset: 'fashion-mnist' })).toEqual({ name: 'float', reason: 'float model on Fashion-MNIST' });
    expect(autoRecipe({ float: true, dataset: 'mnist' })).toEqual({ name: 'standard', reason: 'float model' });
    expect(autoRecipe({ bits: 2 })).toEqual({ name: 'standard', reason: '2-bit model' });
    expect(autoRecipe({ ternary: true })).toEqual({ name: 'standard', reason: 'ternary model' });
  });

  it('auto on MNIST: bnn with shifts of ±1 px, which an explicit setting still overrides', () => {
    const r = resolveRecipe('auto', { dataset: 'mnist' });
    expect(r).toMatchObject({ name: 'bnn', learningRate: 1e-2, batchNormMomentum: 0.9, augment: { shift: 1, flip: false } });
    expect(resolveRecipe('auto', { dataset: 'mnist' }, { augment: { shift: 0 } }).augment).toEqual({ shift: 0, flip: false });
    expect(resolveRecipe('auto', { dataset: 'fashion-mnist' }).augment).toEqual({ shift: 0, flip: false });
    expect(resolveRecipe('bnn', { dataset: 'mnist' }).augment).toEqual({ shift: 0, flip: false });
    expect(RECIPES.bnn.augment).toEqual({ shift: 0, flip: false });
  });

  it('auto: bnn for 1-bit models, float for float ones on Fashion-MNIST, standard for other float, DoReFa and ternary', () => {
    expect(resolveRecipe('auto', {}).name).toBe('bnn');
    expect(resolveRecipe('auto', { bits: 1 }).name).toBe('bnn');
    expect(resolveRecipe('auto', { float: true, dataset: 'fashion-mnist' }).name).toBe('float');
    expect(resolveRecipe('auto', { float: true }).name).toBe('standard');
    expect(resolveRecipe('auto', { bits: 4 }).name).toBe('standard');
    expect(resolveRecipe('auto', { ternary: true }).name).toBe('standard');
  });

  it('single settings override a recipe; undefined ones do not', () => {
    const r = resolveRecipe('larq', {}, { learningRate: 5e-3, schedule: undefined, bop: { gamma: 1e-3 }, augment: { shift: 2 } });
    expect(r.learningRate).toBe(5e-3);
    expect(r.schedule).toBe('constant');
    expect(r.bop).toEqual({ threshold: 1e-8, gamma: 1e-3 });
    expect(r.augment).toEqual({ shift: 2, flip: false });
    expect(describeRecipe(r)).toContain('random shifts up to ±2 px');
  });

  it('rejects unknown names and nonsense settings', () => {
    expect(() => resolveRecipe('fast', {})).toThrow(/unknown recipe "fast"/);
    expect(() => resolveRecipe('larq', {}, { warmupEpochs: 1 })).toThrow(/warm-up needs the cosine schedule/);
    expect(() => resolveRecipe('bnn', {}, { kernelInitializer: 'lecun' })).toThrow(/unknown kernel initializer "lecun"/);
    expect(() => resolveRecipe('bnn', {}, { batchNormMomentum: 1.5 })).toThrow(/momentum/);
    expect(() => resolveRecipe('bnn', {}, { augment: { shift: 1.5 } })).toThrow(/shift/);
  });

  it('the BatchNorm momentum and kernel initializer of a recipe reach every layer of the model', () => {
    const m = createModel('larq-mnist', { ...recipeModelOptions(resolveRecipe('bnn', {}, { batchNormMomentum: 0.8 })), seed: 1 });
    m.build([28, 28, 1]);
    const bns = m.layers.filter((l) => l instanceof BatchNormalization) as BatchNormalization[];
    expect(bns.length).toBe(5);
    for (const b of bns) expect(b.momentum).toBe(0.8);
    const small = createModel('vgg8', { kernelInitializer: 'random_uniform', seed: 1 });
    small.build([28, 28, 1]);
    const k = small.trainableVariables.find((v) => v.value.shape.length === 4)!.value.data;
    expect(Math.max(...Array.from(k, Math.abs))).toBeLessThanOrEqual(0.05);
    m.dispose();
    small.dispose();
  });
});

describe('cosine decay with warm-up (Keras 3 semantics)', () => {
  it('rises linearly to the target, then decays to alpha over decaySteps', () => {
    const s = cosineDecay({ initialLearningRate: 1e-4, warmupTarget: 1e-3, warmupSteps: 10, decaySteps: 100 });
    expect(s(0)).toBeCloseTo(1e-4, 12);
    expect(s(5)).toBeCloseTo(5.5e-4, 12);
    expect(s(10)).toBeCloseTo(1e-3, 12);
    expect(s(60)).toBeCloseTo(5e-4, 12);
    expect(s(110)).toBeCloseTo(0, 12);
    expect(s(500)).toBeCloseTo(0, 12);
    const again = scheduleFromConfig(s.schedule!);
    for (const t of [0, 3, 10, 47, 110]) expect(again(t)).toBe(s(t));
  });

  it('a recipe with warm-up starts at lr/10 and peaks after the warm-up epochs', () => {
    const r = resolveRecipe('standard', {}, { warmupEpochs: 1, learningRate: 2e-3 });
    const s = recipeSchedule(r, 6, 100) as LearningRateSchedule;
    expect(s(0)).toBeCloseTo(2e-4, 12);
    expect(s(100)).toBeCloseTo(2e-3, 12);
    expect(s(600)).toBeCloseTo(0, 12);
    expect(RECIPES.standard.schedule).toBe('cosine');
  });
});
