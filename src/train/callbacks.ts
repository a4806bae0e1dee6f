// Keras callbacks for model.fit: hooks at train/epoch/batch begin and end,
// with the epoch's logs ({ loss, accuracy, val_loss, ... }). Epochs are
// 0-based as in Keras. `ctl.stopTraining = true` ends fit after the epoch.
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Optimizer } from '../optim/optimizer.js';
import { ConfigError } from '../errors.js';

export type Logs = Record<string, number>;

/** What callbacks may touch: the model (for saving and weights) and the optimizer (learning rate). */
export interface TrainingControl {
  model: {
    save(path: string): Promise<void>;
    getWeights(): Float32Array[];
    setWeights(w: readonly ArrayLike<number>[]): void;
  };
  optimizer: Optimizer;
  stopTraining: boolean;
}

export interface Callback {
  onTrainBegin?(ctl: TrainingControl): void | Promise<void>;
  onEpochBegin?(epoch: number, ctl: TrainingControl): void | Promise<void>;
  onBatchEnd?(step: number, logs: Logs, ctl: TrainingControl): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctl: TrainingControl): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctl: TrainingControl): void | Promise<void>;
}

type Mode = 'auto' | 'min' | 'max';

function better(mode: Mode, monitor: string): (a: number, b: number, delta: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && /acc|auc/.test(monitor));
  return max ? (a, b, d) => a - d > b : (a, b, d) => a + d < b;
}

function monitored(logs: Logs, monitor: string, who: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    console.warn(`${who}: "${monitor}" is not in the logs (${Object.keys(logs).join(', ')}); skipping`);
  }
  return v;
}

export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  baseline?: number;
  restoreBestWeights?: boolean;
}

/** Stops when `monitor` has not improved by minDelta for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  private readonly o: Required<Omit<EarlyStoppingOptions, 'baseline'>> & { baseline?: number };
  private best = Number.NaN;
  private wait = 0;
  private bestWeights: Float32Array[] | null = null;
  stoppedEpoch = -1;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.o = { monitor: 'val_loss', minDelta: 0, patience: 0, mode: 'auto', restoreBestWeights: false, ...opts };
    this.monitor = this.o.monitor;
  }

  onTrainBegin(): void {
    this.best = this.o.baseline ?? Number.NaN;
    this.wait = 0;
    this.stoppedEpoch = -1;
  }

  onEpochEnd(epoch: number, logs: Logs, ctl: TrainingControl): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    if (v === undefined) return;
    const gt = better(this.o.mode, this.monitor);
    if (Number.isNaN(this.best) || gt(v, this.best, Math.abs(this.o.minDelta))) {
      this.best = v;
      this.wait = 0;
      if (this.o.restoreBestWeights) this.bestWeights = ctl.model.getWeights();
      return;
    }
    this.wait++;
    if (this.wait >= this.o.patience) {
      this.stoppedEpoch = epoch;
      ctl.stopTraining = true;
      if (this.bestWeights) ctl.model.setWeights(this.bestWeights);
    }
  }
}

export interface ModelCheckpointOptions {
  /** Path; "{epoch}" is replaced by the 1-based epoch number (Keras' {epoch:02d} style: zero-padded to 2). */
  filepath: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: Mode;
}

/** Saves the model (.xnks) after each epoch, or only when `monitor` improves. */
export class ModelCheckpoint implements Callback {
  private readonly o: Required<ModelCheckpointOptions>;
  private best = Number.NaN;
  readonly saved: string[] = [];

  constructor(opts: ModelCheckpointOptions) {
    if (!opts?.filepath) throw new ConfigError('ModelCheckpoint: filepath is required');
    this.o = { monitor: 'val_loss', saveBestOnly: false, mode: 'auto', ...opts };
  }

  async onEpochEnd(epoch: number, logs: Logs, ctl: TrainingControl): Promise<void> {
    if (this.o.saveBestOnly) {
      const v = monitored(logs, this.o.monitor, 'ModelCheckpoint');
      if (v === undefined) return;
      if (!Number.isNaN(this.best) && !better(this.o.mode, this.o.monitor)(v, this.best, 0)) return;
      this.best = v;
    }
    const path = this.o.filepath.replace(/\{epoch(?::0?(\d+)d)?\}/g, (_m, w) => String(epoch + 1).padStart(Number(w ?? 2), '0'));
    await ctl.model.save(path);
    this.saved.push(path);
  }
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  factor?: number;
  patience?: number;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  mode?: Mode;
}

/** Multiplies the learning rate by `factor` when `monitor` stalls for `patience` epochs. */
export class ReduceLROnPlateau implements Callback {
  private readonly o: Required<ReduceLROnPlateauOptions>;
  private best = Number.NaN;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    this.o = { monitor: 'val_loss', factor: 0.1, patience: 10, minDelta: 1e-4, cooldown: 0, minLr: 0, mode: 'auto', ...opts };
    if (!(this.o.factor > 0 && this.o.factor < 1)) throw new ConfigError(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.o.factor}`);
  }

  onEpochEnd(_epoch: number, logs: Logs, ctl: TrainingControl): void {
    const v = monitored(logs, this.o.monitor, 'ReduceLROnPlateau');
    if (v === undefined) return;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (Number.isNaN(this.best) || better(this.o.mode, this.o.monitor)(v, this.best, this.o.minDelta)) {
      this.best = v;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    if (++this.wait >= this.o.patience) {
      const lr = ctl.optimizer.learningRate;
      if (typeof lr !== 'number') throw new ConfigError('ReduceLROnPlateau: the optimizer follows a schedule; give it a number as learning rate');
      ctl.optimizer.learningRate = Math.max(this.o.minLr, lr * this.o.factor);
      this.cooldownLeft = this.o.cooldown;
      this.wait = 0;
    }
  }
}

/** Sets the learning rate at each epoch's start from schedule(epoch, currentLr) (0-based epochs). */
export class LearningRateScheduler implements Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number) {}

  onEpochBegin(epoch: number, ctl: TrainingControl): void {
    const lr = this.schedule(epoch, ctl.optimizer.currentLearningRate());
    if (!(lr >= 0)) throw new ConfigError(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}`);
    ctl.optimizer.learningRate = lr;
  }
}

/** Appends each epoch's logs to a CSV file (epoch first, then the log keys in order). */
export class CSVLogger implements Callback {
  private keys: string[] | null = null;

  constructor(readonly filename: string, private readonly opts: { separator?: string; append?: boolean } = {}) {}

  onTrainBegin(): void {
    if (!this.opts.append) writeFileSync(this.filename, '');
    this.keys = null;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const sep = this.opts.separator ?? ',';
    let text = '';
    if (!this.keys) {
      this.keys = Object.keys(logs);
      text += ['epoch', ...this.keys].join(sep) + '\n';
    }
    text += [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? '' : String(logs[k])))].join(sep) + '\n';
    appendFileSync(this.filename, text);
  }
}
