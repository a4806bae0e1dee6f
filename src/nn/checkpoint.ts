// Training state: everything needed to pick a training run up where it
// stopped — the architecture (serialize.ts), every variable (latent weights
// and BatchNorm moving statistics), the optimizer with its hyper-parameters,
// step counts and slots, and the epoch — in one versioned binary file
// (docs/training-state-format.md). Together with fit's per-epoch random
// streams, resuming from it continues bit for bit as if never interrupted.
//
// The bytes are built in memory (no file system here, so this runs in the
// browser too); the CLI writes them with writeFileAtomic.
import type { Model } from './model.js';
import type { FunctionalModelSpec } from './graphSpecOf.js';
import type { Variable } from './variable.js';
import { ModelFormatError, modelToSpec, modelFromSpec, type ModelSpec } from './serialize.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { Bop } from '../optim/bop.js';
import { CaseOptimizer, type VariablePredicate } from '../optim/caseOptimizer.js';
import { scheduleFromConfig, type LearningRateSchedule, type ScheduleConfig } from '../optim/schedules.js';
import { encodeContainer, decodeContainer, type ArrayRef } from './stateContainer.js';
import { validateStateHeader } from './stateSchema.js';

export { ModelFormatError } from './serialize.js';
export { TRAINING_STATE_VERSION } from './stateContainer.js';

type Hyper = number | ScheduleConfig;

interface SlotSpec extends ArrayRef { variable: string; slot: string }

/** How the header describes an optimizer; CaseOptimizer nests its children. */
export interface OptimizerSpec {
  className: string;
  config: Record<string, Hyper | boolean | null>;
  iterations: number;
  slots: SlotSpec[];
  cases?: { predicate: PredicateSpec; optimizer: OptimizerSpec }[];
  defaultOptimizer?: OptimizerSpec | null;
}

/** A CaseOptimizer predicate: a known function by name, or the variables it claimed when saved. */
type PredicateSpec = { kind: 'named'; name: string } | { kind: 'variables'; names: string[] };

interface VariableSpec extends ArrayRef { name: string; shape: number[]; trainable: boolean; precision: number }

export interface TrainingStateHeader {
  format: 'xnorkit-training-state';
  model: ModelSpec | FunctionalModelSpec;
  variables: VariableSpec[];
  optimizer: OptimizerSpec | null;
  /** Epochs completed when the state was saved (fit's initialEpoch when resuming). */
  epoch: number;
  /** The caller's own JSON (seed, batch size, history, run config, ...). */
  extra: Record<string, unknown>;
  created: string;
}

export interface SaveExtra extends Record<string, unknown> {
  /** Epochs completed (default 0). */
  epoch?: number;
}

export interface TrainingState {
  model: Model;
  /** Null when the state was saved without an optimizer (weights only). */
  optimizer: Optimizer | null;
  epoch: number;
  extra: Record<string, unknown>;
  header: TrainingStateHeader;
}

const PREDICATES = new Map<string, VariablePredicate>([['Bop.isBinaryVariable', Bop.isBinaryVariable]]);

function predicateName(p: VariablePredicate): string | undefined {
  for (const [name, f] of PREDICATES) if (f === p) return name;
  return undefined;
}

function hyper(v: number | LearningRateSchedule, what: string): Hyper {
  if (typeof v === 'number') return v;
  if (v.schedule) return v.schedule;
  throw new ModelFormatError(`${what} is a plain function; only the schedules of xnorkit's schedules module can be saved`);
}

function unhyper(v: unknown, what: string): number | LearningRateSchedule {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'className' in v) {
    try {
      return scheduleFromConfig(v as ScheduleConfig);
    } catch (e) {
      throw new ModelFormatError(`${what}: ${(e as Error).message}`);
    }
  }
  throw new ModelFormatError(`${what}: expected a number or a schedule, got ${JSON.stringify(v)}`);
}

/** Collects the arrays to write; each gets its offset in the data section. */
class DataWriter {
  readonly arrays: Float32Array[] = [];
  private bytes = 0;
  add(a: Float32Array): ArrayRef {
    const ref = { offset: this.bytes, length: a.length };
    this.arrays.push(a);
    this.bytes += a.byteLength;
    return ref;
  }
}

function optimizerToSpec(o: Optimizer, vars: Set<Variable>, w: DataWriter, allVars: Variable[]): OptimizerSpec {
  const slots = (opt: Optimizer): SlotSpec[] => (opt instanceof CaseOptimizer ? [] : opt.slotEntries().map((e) => {
    if (!vars.has(e.variable)) throw new ModelFormatError(`optimizer ${opt.name} has state for "${e.variable.name}", which is not a variable of the model`);
    return { variable: e.variable.name, slot: e.name, ...w.add(e.value.toArray()) };
  }));
  const base = { iterations: o.iterations, slots: slots(o) };
  if (o instanceof Adam) {
    return { className: 'Adam', config: { learningRate: hyper(o.learningRate, 'Adam learningRate'), beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon }, ...base };
  }
  if (o instanceof SGD) {
    return { className: 'SGD', config: { learningRate: hyper(o.learningRate, 'SGD learningRate'), momentum: o.momentum, nesterov: o.nesterov }, ...base };
  }
  if (o instanceof Bop) {
    return { className: 'Bop', config: { threshold: hyper(o.threshold, 'Bop threshold'), gamma: hyper(o.gamma, 'Bop gamma') }, ...base };
  }
  if (o instanceof CaseOptimizer) {
    const cases = o.cases.map(([p, sub]) => {
      const name = predicateName(p);
      let predicate: PredicateSpec;
      if (name) predicate = { kind: 'named', name };
      else {
        // A user's predicate cannot be written down, but once the optimizer
        // has stepped, the variables it claimed are known and fixed for good.
        const claimed = allVars.filter((v) => o.optimizerFor(v) === sub);
        if (o.optimizerFor(allVars[0]) === undefined) {
          throw new ModelFormatError('CaseOptimizer: a custom predicate can be saved only after the first training step ' +
            '(then the variables it claims are saved instead); Bop.isBinaryVariable is saved by name');
        }
        predicate = { kind: 'variables', names: claimed.map((v) => v.name) };
      }
      return { predicate, optimizer: optimizerToSpec(sub, vars, w, allVars) };
    });
    return {
      className: 'CaseOptimizer', config: {}, ...base, cases,
      defaultOptimizer: o.defaultOptimizer ? optimizerToSpec(o.defaultOptimizer, vars, w, allVars) : null,
    };
  }
  throw new ModelFormatError(`optimizer ${o.name} (${o.constructor.name}) cannot be saved (saveable: Adam, SGD, Bop, CaseOptimizer)`);
}

function optimizerFromSpec(s: OptimizerSpec, byName: Map<string, Variable>, read: (r: ArrayRef, what: string) => Float32Array): Optimizer {
  const c = s.config ?? {};
  let o: Optimizer;
  try {
    switch (s.className) {
      case 'Adam':
        o = new Adam({ learningRate: unhyper(c.learningRate, 'Adam learningRate'), beta1: c.beta1 as number, beta2: c.beta2 as number, epsilon: c.epsilon as number });
        break;
      case 'SGD':
        o = new SGD({ learningRate: unhyper(c.learningRate, 'SGD learningRate'), momentum: c.momentum as number, nesterov: c.nesterov as boolean });
        break;
      case 'Bop':
        o = new Bop({ threshold: unhyper(c.threshold, 'Bop threshold'), gamma: unhyper(c.gamma, 'Bop gamma') });
        break;
      case 'CaseOptimizer': {
        const cases = (s.cases ?? []).map(({ predicate, optimizer }): [VariablePredicate, Optimizer] => {
          const sub = optimizerFromSpec(optimizer, byName, read);
          if (predicate.kind === 'named') {
            const f = PREDICATES.get(predicate.name);
            if (!f) throw new ModelFormatError(`CaseOptimizer: unknown predicate "${predicate.name}"`);
            return [f, sub];
          }
          const names = new Set(predicate.names);
          return [(v) => names.has(v.name), sub];
        });
        o = new CaseOptimizer(cases, { defaultOptimizer: s.defaultOptimizer ? optimizerFromSpec(s.defaultOptimizer, byName, read) : null });
        break;
      }
      default:
        throw new ModelFormatError(`unknown optimizer "${s.className}"`);
    }
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`optimizer ${s.className}: ${(e as Error).message}`);
  }
  try {
    if (!Number.isInteger(s.iterations) || s.iterations < 0) throw new ModelFormatError(`optimizer ${s.className}: bad iteration count ${s.iterations}`);
    o.iterations = s.iterations;
    for (const slot of s.slots ?? []) {
      const v = byName.get(slot.variable);
      if (!v) throw new ModelFormatError(`optimizer ${s.className}: slot "${slot.slot}" of unknown variable "${slot.variable}"`);
      const data = read(slot, `slot ${slot.variable}/${slot.slot}`);
      if (data.length !== v.size) throw new ModelFormatError(`slot ${slot.variable}/${slot.slot} has ${data.length} values, the variable ${v.size}`);
      try {
        o.setSlot(v, slot.slot, data);
      } catch (e) {
        if (e instanceof ModelFormatError) throw e;
        throw new ModelFormatError(`optimizer ${s.className}: slot "${slot.slot}" of "${slot.variable}": ${(e as Error).message}`);
      }
    }
    return o;
  } catch (e) {
    // The slots already set live in WASM memory.
    o.dispose();
    throw e;
  }
}

/**
 * The training state as bytes. `extra.epoch` is the number of completed
 * epochs; anything else in `extra` (JSON) comes back unchanged from load.
 */
export function saveTrainingState(model: Model, optimizer: Optimizer | null, extra: SaveExtra = {}): Uint8Array {
  if (!model.built) throw new ModelFormatError('saveTrainingState: the model is not built (no weights to save)');
  const epoch = extra.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0) throw new ModelFormatError(`saveTrainingState: epoch must be a non-negative integer, got ${epoch}`);
  const spec = modelToSpec(model);
  const w = new DataWriter();
  const all = model.variables;
  const variables: VariableSpec[] = all.map((v) => ({
    name: v.name, shape: [...v.shape], trainable: v.trainable, precision: v.precision, ...w.add(v.value.toArray()),
  }));
  const opt = optimizer ? optimizerToSpec(optimizer, new Set(all), w, all) : null;
  const { epoch: _e, ...rest } = extra;
  const header: TrainingStateHeader = {
    format: 'xnorkit-training-state', model: spec, variables, optimizer: opt, epoch, extra: rest, created: new Date().toISOString(),
  };
  return encodeContainer(header, w.arrays);
}

/** Rebuilds model and optimizer from saveTrainingState's bytes; a damaged or foreign file throws ModelFormatError. */
export function loadTrainingState(bytes: Uint8Array): TrainingState {
  const { header: h, read, dataBytes } = decodeContainer(bytes);
  validateStateHeader(h, dataBytes);
  const header = h as TrainingStateHeader;
  const model = modelFromSpec(header.model);
  try {
    const byName = new Map(model.variables.map((v) => [v.name, v]));
    if (byName.size !== header.variables.length) {
      throw new ModelFormatError(`the file has ${header.variables.length} variables, its architecture ${byName.size}`);
    }
    for (const s of header.variables) {
      const v = byName.get(s.name);
      if (!v) throw new ModelFormatError(`the file has a variable "${s.name}" that its architecture does not create`);
      if (s.shape.join(',') !== v.shape.join(',')) throw new ModelFormatError(`variable "${s.name}" is [${s.shape}] in the file, [${v.shape}] in its architecture`);
      if (s.precision !== v.precision) throw new ModelFormatError(`variable "${s.name}" has precision ${s.precision} in the file, ${v.precision} when rebuilt`);
      const data = read(s, `variable ${s.name}`);
      if (data.length !== v.size) throw new ModelFormatError(`variable "${s.name}" has ${data.length} values in the file, ${v.size} in its architecture`);
      v.value.data.set(data);
      v.trainable = s.trainable;
      v.value.requiresGrad = s.trainable;
    }
    const optimizer = header.optimizer ? optimizerFromSpec(header.optimizer, byName, read) : null;
    return { model, optimizer, epoch: header.epoch ?? 0, extra: header.extra ?? {}, header };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
