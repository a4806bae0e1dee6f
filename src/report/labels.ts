// Names the report gives to things, shared by the charts and the tables.
import type { ExperimentResults, SweepSection } from './schema.js';

/** What the report calls the quantized model: "binary", or "4-bit" for a k-bit run. */
export function qLabel(r: ExperimentResults): string {
  const k = /(\d+)-bit/.exec(r.quantization);
  return k ? `${k[1]}-bit` : 'binary';
}

/** "standard" or "trained at 0.5": the legend of one model in a sweep. */
export function trainLabel(s: SweepSection, level: number | null): string {
  if (level === null) return 'standard training';
  return `trained at ${s.kind === 'saturation' ? `${level} bits` : `σ=${level}`}`;
}
