// The statistics of the scenario-study tables (bench/scenario-report.ts):
// a 95 % confidence interval over 3 training seeds uses Student's t with
// n − 1 = 2 degrees of freedom (t = 4.3027, not the normal 1.96), and the
// paired t-test's p-value is two-sided. Reference values are computed by
// hand from the t distribution's closed form for 2 degrees of freedom.
import { describe, it, expect } from 'vitest';
import { summarize, pairedT } from '../../bench/scenario-report.js';

describe('scenario report statistics', () => {
  it('95 % CI over 3 seeds: mean ± t(0.975, 2) · sd / √3', () => {
    const s = summarize([0.9, 0.92, 0.94]);
    // sd = 0.02; t(0.975, 2) = 4.302653 (table value); half-width 4.302653 · 0.02 / √3 = 0.0496828.
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.92, 12);
    expect(s.hi - s.mean).toBeCloseTo(0.0496828, 6);
    expect(s.mean - s.lo).toBeCloseTo(0.0496828, 6);
    // A normal-quantile interval (1.96) would be less than half as wide.
    expect(s.hi - s.mean).toBeGreaterThan(2 * 1.96 * 0.02 / Math.sqrt(3));
  });

  it('2 seeds use 1 degree of freedom (t = 12.706); 1 seed has no interval', () => {
    const s = summarize([0.5, 0.7]);
    // sd = 0.1414214; half-width 12.7062 · 0.1414214 / √2 = 1.27062.
    expect(s.hi - s.mean).toBeCloseTo(1.27062, 4);
    const one = summarize([0.8]);
    expect(one.mean).toBe(0.8);
    expect(Number.isNaN(one.lo) && Number.isNaN(one.hi)).toBe(true);
  });

  it('paired t-test: differences 1, 2, 3 give t = 2√3 and two-sided p = 1 − t/√(2 + t²)', () => {
    const d = pairedT([1, 2, 3]);
    const t = 2 * Math.sqrt(3);
    expect(d.t).toBeCloseTo(t, 10);
    // For 2 degrees of freedom P(|T| < t) = t / √(2 + t²): p = 1 − √(12/14) = 0.0741799.
    expect(d.p).toBeCloseTo(0.0741799, 6);
    expect(d.lo).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 5);
  });

  it('paired t-test of a constant non-zero difference is p = 0, of all zeros p = 1', () => {
    expect(pairedT([0.1, 0.1, 0.1]).p).toBe(0);
    expect(pairedT([0, 0, 0]).p).toBe(1);
  });
});
