// Resuming the scenario studies (bench/scenario-studies.ts) and the level
// columns of their tables (bench/scenario-report.ts) when a grid grew after
// some seeds ran: the missing levels alone are measured, as a further
// record, and a column appears once every seed of every model has it.
import { describe, it, expect } from 'vitest';
import { missingLevels, type EvalSpec, type RunRecord } from '../../bench/scenario-studies.js';
import { levelsOf } from '../../bench/scenario-report.js';

function record(model: string, seed: number, levels: number[]): RunRecord {
  return {
    model, model_label: model, seed, eval: 'mult', eval_label: 'mult', kind: 'multiplier', options: {}, assumption: null,
    clean_accuracy: 0.9, train_seconds: null, seconds: 0,
    points: levels.map((level) => ({ level, train_level: null, mean: 0.5, std: 0, p5: 0.5, yield: 0, ci95: [0.5, 0.5], clean_accuracy: 0.9, chips: 1, min: 0.5, max: 0.5, seconds: 0 })),
  } as RunRecord;
}
const spec: EvalSpec = { key: 'mult', kind: 'multiplier', levels: [6, 8, 9], options: {}, chips: 1, label: 'mult' };

describe('scenario studies: resuming a grown grid', () => {
  it('measures every level without a record, only the missing ones with a record, nothing when complete', () => {
    const runs = [record('a', 1, [2, 4, 6, 8]), record('a', 2, [6, 8]), record('a', 2, [9])];
    expect(missingLevels(runs, 'a', 3, spec)).toEqual([6, 8, 9]);
    expect(missingLevels(runs, 'a', 1, spec)).toEqual([9]);
    expect(missingLevels(runs, 'a', 2, spec)).toBeNull();
    expect(missingLevels(runs, 'a', 1, { ...spec, key: 'other' })).toEqual([6, 8, 9]);
  });

  it('an evaluation with no levels (clean accuracy only) is done once recorded', () => {
    const clean = { ...spec, levels: [] };
    expect(missingLevels([], 'a', 1, clean)).toEqual([]);
    expect(missingLevels([record('a', 1, [])], 'a', 1, clean)).toBeNull();
  });

  it('table columns: the levels every seed of every model has, across records', () => {
    const runs = [record('std', 1, [6, 8, 9]), record('std', 2, [6, 8, 9]), record('aware', 1, [2, 6, 8]), record('aware', 1, [9]), record('aware', 2, [6, 8])];
    expect(levelsOf(runs, 'mult', ['std', 'aware'])).toEqual([6, 8]);
    expect(levelsOf(runs, 'mult', ['std'])).toEqual([6, 8, 9]);
    expect(levelsOf([...runs, record('aware', 2, [9])], 'mult', ['std', 'aware'])).toEqual([6, 8, 9]);
    expect(levelsOf(runs, 'other', ['std'])).toEqual([]);
  });
});
