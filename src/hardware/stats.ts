// Summary statistics of a Monte-Carlo population of chips. The 95 % interval
// is Student's t interval of the mean accuracy over chips (chips are the
// independent samples; the test set is the same for all of them).

export interface ChipStats {
  mean: number;
  /** Sample standard deviation over chips (n - 1); 0 for one chip. */
  std: number;
  /** 5th percentile (linear interpolation between order statistics, as numpy's default). */
  p5: number;
  min: number;
  max: number;
  /** Share of chips with accuracy >= yieldThreshold. */
  yield: number;
  yield_threshold: number;
  /** 95 % confidence interval of the mean: mean ± t(0.975, n-1) · std / √n; [mean, mean] for one chip. */
  ci95: [number, number];
  chips: number;
}

export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const s = Array.from(values).sort((a, b) => a - b);
  const pos = (s.length - 1) * (q / 100);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Standard normal quantile (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5;
    const r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Standard normal CDF (erfc by the Numerical Recipes Chebyshev fit, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * P(|T| <= t) for Student's t with an integer number of degrees of freedom,
 * by the finite series of Abramowitz & Stegun 26.7.3-4 (exact up to
 * rounding), with theta = atan(t / sqrt(nu)).
 */
export function tTwoSided(t: number, nu: number): number {
  const th = Math.atan(Math.abs(t) / Math.sqrt(nu));
  const c2 = Math.cos(th) ** 2;
  const s = Math.sin(th);
  if (nu % 2 === 1) {
    if (nu === 1) return (2 / Math.PI) * th;
    let term = Math.cos(th);
    let sum = term;
    for (let k = 3; k <= nu - 2; k += 2) {
      term *= c2 * (k - 1) / k;
      sum += term;
    }
    return (2 / Math.PI) * (th + s * sum);
  }
  let term = 1;
  let sum = 1;
  for (let k = 2; k <= nu - 2; k += 2) {
    term *= c2 * (k - 1) / k;
    sum += term;
  }
  return s * sum;
}

/** Student's t quantile for integer degrees of freedom (bisection on the exact CDF). */
export function tQuantile(p: number, nu: number): number {
  if (!Number.isInteger(nu) || nu < 1) throw new Error(`tQuantile: degrees of freedom must be a positive integer, got ${nu}`);
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -tQuantile(1 - p, nu);
  const target = 2 * p - 1;
  let lo = 0;
  let hi = 1;
  while (tTwoSided(hi, nu) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSided(mid, nu) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function chipStats(accuracies: ArrayLike<number>, yieldThreshold: number): ChipStats {
  const n = accuracies.length;
  if (n === 0) throw new Error('chipStats: no chips');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += accuracies[i];
  const mean = sum / n;
  let ss = 0;
  let good = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = accuracies[i];
    ss += (a - mean) ** 2;
    if (a >= yieldThreshold) good++;
    min = Math.min(min, a);
    max = Math.max(max, a);
  }
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const half = n > 1 ? tQuantile(0.975, n - 1) * std / Math.sqrt(n) : 0;
  return {
    mean, std, p5: percentile(accuracies, 5), min, max, yield: good / n, yield_threshold: yieldThreshold,
    ci95: [mean - half, mean + half], chips: n,
  };
}
