// Messages between the demo page (demo/main.ts) and its training worker (demo/worker.ts).
export type ModelKey = 'float' | 'bnn';
export type SweepKindName = 'noise' | 'variation' | 'saturation';

export type ToWorker =
  | { type: 'train'; trainN: number; testN: number; epochs: number; batchSize: number; threads: number; seed: number }
  | { type: 'sweep'; kind: SweepKindName; levels: number[]; chips: number };

export interface TrainedInfo {
  model: ModelKey;
  testAccuracy: number;
  /** The packed .xnk file (sent to the page, which runs it with xnorkit/infer). */
  xnk: Uint8Array;
  parameters: number;
  trainSamplesPerSecond: number;
  inferImagesPerSecond: number;
  seconds: number;
}

export type FromWorker =
  | { type: 'ready'; threads: number; isolated: boolean; trainN: number; testN: number }
  | { type: 'step'; model: ModelKey; step: number; epoch: number; loss: number; accuracy: number }
  | { type: 'epoch'; model: ModelKey; epoch: number; valAccuracy: number }
  | ({ type: 'trained' } & TrainedInfo)
  | { type: 'sweepPoint'; kind: SweepKindName; model: ModelKey; level: number; mean: number; min: number; max: number; clean: number }
  | { type: 'sweepDone'; kind: SweepKindName; seconds: number }
  | { type: 'error'; message: string };
