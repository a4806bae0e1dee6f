// Float kernels (assembly/im2col.ts, pool.ts, batchnorm.ts, elementwise.ts)
// against naive references written here with plain loops. Every output buffer
// sits between guard elements, checked after each call, so an overrun in
// a vector tail fails the test too.
import { describe, it, expect, afterEach } from 'vitest';
import { wasm } from '../../src/wasm/module.js';
import { alloc, free, f32View, i32View } from '../../src/wasm/memory.js';

const k = wasm();
const GUARD = 8;
const SENTINEL = 12345.5;
let live: number[] = [];
afterEach(() => {
  for (const p of live) free(p);
  live = [];
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];
function randn(r: () => number, n: number, scale = 1, offset = 0): Float32Array {
  return Float32Array.from({ length: n }, () => offset + scale * (r() * 2 - 1));
}
function randInt(r: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}

/** Copies data into linear memory between guard elements (GUARD before, GUARD after). */
function put(data: Float32Array | Int32Array): number {
  const raw = alloc((data.length + 2 * GUARD) * 4);
  live.push(raw);
  const p = raw + GUARD * 4;
  f32View(raw, data.length + 2 * GUARD).fill(SENTINEL);
  if (data instanceof Int32Array) i32View(p, data.length).set(data);
  else f32View(p, data.length).set(data);
  return p;
}
const out = (n: number): number => put(new Float32Array(n).fill(-777));
const get = (p: number, n: number): Float32Array => f32View(p, n).slice();
const getI = (p: number, n: number): Int32Array => i32View(p, n).slice();
function expectGuards(p: number, n: number): void {
  const guards = [...f32View(p - GUARD * 4, GUARD), ...f32View(p + n * 4, GUARD)];
  expect(guards).toEqual(new Array(2 * GUARD).fill(SENTINEL));
}
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol = 0): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= atol + rtol * Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]} (|err| ${err})`);
    }
  }
}

// --- window geometry --------------------------------------------------------------------
interface Geo { N: number; H: number; W: number; C: number; KH: number; KW: number; SH: number; SW: number;
  PT: number; PB: number; PL: number; PR: number; OH: number; OW: number }
function geo(g: Omit<Geo, 'OH' | 'OW'>): Geo {
  return { ...g, OH: Math.floor((g.H + g.PT + g.PB - g.KH) / g.SH) + 1, OW: Math.floor((g.W + g.PL + g.PR - g.KW) / g.SW) + 1 };
}
const FIXED: Geo[] = [
  geo({ N: 1, H: 5, W: 7, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1 }),
  geo({ N: 2, H: 7, W: 5, C: 3, KH: 2, KW: 2, SH: 2, SW: 2, PT: 0, PB: 0, PL: 0, PR: 0 }),
  geo({ N: 2, H: 9, W: 6, C: 5, KH: 5, KW: 3, SH: 2, SW: 1, PT: 2, PB: 1, PL: 0, PR: 2 }),
  geo({ N: 1, H: 4, W: 3, C: 32, KH: 1, KW: 1, SH: 1, SW: 1, PT: 0, PB: 0, PL: 0, PR: 0 }),
  geo({ N: 3, H: 6, W: 5, C: 33, KH: 3, KW: 5, SH: 1, SW: 2, PT: 0, PB: 2, PL: 2, PR: 1 }),
  geo({ N: 2, H: 3, W: 3, C: 4, KH: 3, KW: 3, SH: 1, SW: 1, PT: 2, PB: 2, PL: 2, PR: 2 }),
  // kernel wider than the padded image on one axis is impossible, but 1x1 with padding gives empty windows
  geo({ N: 2, H: 3, W: 5, C: 5, KH: 1, KW: 2, SH: 2, SW: 1, PT: 1, PB: 1, PL: 1, PR: 0 }),
];
function randomGeos(seed: number, count: number): Geo[] {
  const r = rng(seed);
  const gs: Geo[] = [];
  while (gs.length < count) {
    const g = geo({ N: pick(r, [1, 2, 3]), H: 1 + Math.floor(r() * 11), W: 1 + Math.floor(r() * 11), C: pick(r, [1, 3, 5, 13, 32, 33, 61]),
      KH: pick(r, [1, 2, 3, 5]), KW: pick(r, [1, 2, 3, 5]), SH: pick(r, [1, 2]), SW: pick(r, [1, 2]),
      PT: pick(r, [0, 1, 2]), PB: pick(r, [0, 1, 2]), PL: pick(r, [0, 1, 2]), PR: pick(r, [0, 1, 2]) });
    if (g.OH >= 1 && g.OW >= 1) gs.push(g);
  }
  return gs;
}
const GEOS = [...FIXED, ...randomGeos(7, 50)];
const label = (g: Geo) => `N${g.N} ${g.H}x${g.W}x${g.C} k${g.KH}x${g.KW} s${g.SH},${g.SW} pad t${g.PT} b${g.PB} l${g.PL} r${g.PR}`;
const args = (g: Geo) => [g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.OH, g.OW] as const;
const xAt = (g: Geo, n: number, h: number, w: number, c: number) => ((n * g.H + h) * g.W + w) * g.C + c;

function im2colRef(g: Geo, X: Float32Array): Float32Array {
  const K = g.KH * g.KW * g.C;
  const cols = new Float32Array(g.N * g.OH * g.OW * K);
  for (let n = 0; n < g.N; n++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) {
    const row = ((n * g.OH + oh) * g.OW + ow) * K;
    for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) for (let c = 0; c < g.C; c++) {
      const ih = oh * g.SH - g.PT + kh, iw = ow * g.SW - g.PL + kw;
      const inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
      cols[row + (kh * g.KW + kw) * g.C + c] = inside ? X[xAt(g, n, ih, iw, c)] : 0;
    }
  }
  return cols;
}

// Gather form of the adjoint: for each input element, find the (pixel, kh, kw) that read it.
function col2imRef(g: Geo, cols: Float32Array): Float32Array {
  const K = g.KH * g.KW * g.C;
  const dX = new Float32Array(g.N * g.H * g.W * g.C);
  for (let n = 0; n < g.N; n++) for (let ih = 0; ih < g.H; ih++) for (let iw = 0; iw < g.W; iw++) for (let c = 0; c < g.C; c++) {
    let s = 0;
    for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) {
      const th = ih + g.PT - kh, tw = iw + g.PL - kw;
      if (th % g.SH !== 0 || tw % g.SW !== 0) continue;
      const oh = th / g.SH, ow = tw / g.SW;
      if (oh < 0 || oh >= g.OH || ow < 0 || ow >= g.OW) continue;
      s += cols[((n * g.OH + oh) * g.OW + ow) * K + (kh * g.KW + kw) * g.C + c];
    }
    dX[xAt(g, n, ih, iw, c)] = s;
  }
  return dX;
}

function maxPoolRef(g: Geo, X: Float32Array): { Y: Float32Array; arg: Int32Array } {
  const Y = new Float32Array(g.N * g.OH * g.OW * g.C), arg = new Int32Array(Y.length);
  for (let n = 0; n < g.N; n++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) for (let c = 0; c < g.C; c++) {
    let best = -Infinity, at = -1;
    for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) {
      const ih = oh * g.SH - g.PT + kh, iw = ow * g.SW - g.PL + kw;
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
      const i = xAt(g, n, ih, iw, c);
      if (at < 0 || X[i] > best) { best = X[i]; at = i; }
    }
    const o = ((n * g.OH + oh) * g.OW + ow) * g.C + c;
    Y[o] = at < 0 ? 0 : best;
    arg[o] = at;
  }
  return { Y, arg };
}

describe('im2col / col2im', () => {
  it.each(GEOS.map((g) => [label(g), g] as const))('%s', (_, g) => {
    const r = rng(g.H * 131 + g.W * 17 + g.C);
    const X = randn(r, g.N * g.H * g.W * g.C);
    const nCols = g.N * g.OH * g.OW * g.KH * g.KW * g.C;
    const pX = put(X), pCols = out(nCols);
    k.im2col(pX, ...args(g), pCols);
    expect(get(pCols, nCols)).toEqual(im2colRef(g, X));
    expectGuards(pCols, nCols);

    // Integer values keep every sum exact whatever the summation order.
    const cols = randInt(r, nCols, -8, 8);
    const pC2 = put(cols), pdX = out(X.length);
    k.col2im(pC2, ...args(g), pdX);
    expect(get(pdX, X.length)).toEqual(col2imRef(g, cols));
    expectGuards(pdX, X.length);
  });

  it('col2im is the adjoint of im2col: <im2col(x), y> = <x, col2im(y)>', () => {
    for (const g of GEOS.slice(0, 12)) {
      const r = rng(99 + g.C);
      const X = randInt(r, g.N * g.H * g.W * g.C, -5, 5), nCols = g.N * g.OH * g.OW * g.KH * g.KW * g.C;
      const Yc = randInt(r, nCols, -5, 5);
      const pX = put(X), pCols = out(nCols), pY = put(Yc), pdX = out(X.length);
      k.im2col(pX, ...args(g), pCols);
      k.col2im(pY, ...args(g), pdX);
      const a = get(pCols, nCols).reduce((s, v, i) => s + v * Yc[i], 0);
      const b = get(pdX, X.length).reduce((s, v, i) => s + v * X[i], 0);
      expect(a).toBe(b);
    }
  });
});

describe('max pool', () => {
  it.each(GEOS.map((g) => [label(g), g] as const))('%s', (_, g) => {
    const r = rng(g.H * 7 + g.W * 3 + g.C * 11);
    // Values from {-3..-1}: many ties (exercises the first-max rule) and all
    // negative, so a padding cell treated as 0 would win and be caught.
    for (const X of [randInt(r, g.N * g.H * g.W * g.C, -3, -1), randn(r, g.N * g.H * g.W * g.C)]) {
      const ny = g.N * g.OH * g.OW * g.C;
      const ref = maxPoolRef(g, X);
      const pX = put(X), pY = out(ny), pA = out(ny);
      k.maxPool2dForward(pX, ...args(g), pY, pA);
      expect(get(pY, ny)).toEqual(ref.Y);
      expect(getI(pA, ny)).toEqual(ref.arg);
      expectGuards(pY, ny);
      expectGuards(pA, ny);

      const dY = randInt(r, ny, -4, 4);
      const dXref = new Float32Array(X.length);
      for (let i = 0; i < ny; i++) if (ref.arg[i] >= 0) dXref[ref.arg[i]] += dY[i];
      const pdY = put(dY), pdX = out(X.length);
      k.maxPool2dBackward(pdY, pA, ny, pdX, X.length);
      expect(get(pdX, X.length)).toEqual(dXref);
      expectGuards(pdX, X.length);
    }
  });

  // Windows that never overlap: odd sizes (rows and columns no window covers),
  // gaps between windows (stride > pool), padding, empty windows, channel
  // counts around the 4-wide vectors.
  const DISJOINT: Geo[] = [
    ...[1, 3, 4, 5, 7, 8, 13, 64].map((C) => geo({ N: 2, H: 7, W: 9, C, KH: 2, KW: 2, SH: 2, SW: 2, PT: 0, PB: 0, PL: 0, PR: 0 })),
    geo({ N: 1, H: 9, W: 8, C: 6, KH: 2, KW: 2, SH: 2, SW: 2, PT: 1, PB: 0, PL: 0, PR: 0 }),
    geo({ N: 3, H: 10, W: 11, C: 5, KH: 3, KW: 3, SH: 3, SW: 3, PT: 1, PB: 1, PL: 0, PR: 2 }),
    geo({ N: 2, H: 11, W: 13, C: 9, KH: 2, KW: 3, SH: 3, SW: 4, PT: 0, PB: 0, PL: 1, PR: 0 }),
    geo({ N: 2, H: 5, W: 6, C: 3, KH: 1, KW: 1, SH: 2, SW: 2, PT: 2, PB: 2, PL: 0, PR: 1 }),
    ...GEOS.filter((g) => g.SH >= g.KH && g.SW >= g.KW),
  ];
  it.each(DISJOINT.map((g) => [label(g), g] as const))('backward without overlap (no fill) is the scatter bit for bit: %s', (_, g) => {
    const r = rng(g.H * 5 + g.W * 13 + g.C * 3);
    const X = randInt(r, g.N * g.H * g.W * g.C, -3, -1); // ties
    const ny = g.N * g.OH * g.OW * g.C;
    const ref = maxPoolRef(g, X);
    const pX = put(X), pY = out(ny), pA = out(ny);
    k.maxPool2dForward(pX, ...args(g), pY, pA);
    // Gradients with both zeros: the scatter's 0 + (-0) is +0, and so must the direct write be.
    const dY = Float32Array.from(randInt(r, ny, -4, 4), (v, i) => (v === 0 && i % 2 ? -0 : v));
    const dXref = new Float32Array(X.length);
    for (let i = 0; i < ny; i++) if (ref.arg[i] >= 0) dXref[ref.arg[i]] += dY[i];
    const pdY = put(dY), pScatter = out(X.length), pDirect = out(X.length);
    k.maxPool2dBackward(pdY, pA, ny, pScatter, X.length);
    k.maxPool2dBackwardDisjoint(pdY, pA, ...args(g), pDirect);
    expect(new Uint32Array(get(pDirect, X.length).buffer)).toEqual(new Uint32Array(dXref.buffer));
    expect(new Uint32Array(get(pDirect, X.length).buffer)).toEqual(new Uint32Array(get(pScatter, X.length).buffer));
    expectGuards(pDirect, X.length);
  });

  it('ties: the first maximum in (kh, kw) order takes the value and the gradient', () => {
    // One 2x2 window over a 2x2 image with 5 channels, all four cells equal except
    // channel 1 (max only at the last cell) and channel 4 (max at cells 1 and 2).
    const g = geo({ N: 1, H: 2, W: 2, C: 5, KH: 2, KW: 2, SH: 2, SW: 2, PT: 0, PB: 0, PL: 0, PR: 0 });
    const X = new Float32Array(20).fill(1);
    X[3 * 5 + 1] = 2;
    X[1 * 5 + 4] = 3;
    X[2 * 5 + 4] = 3;
    const pX = put(X), pY = out(5), pA = out(5);
    k.maxPool2dForward(pX, ...args(g), pY, pA);
    expect(Array.from(getI(pA, 5))).toEqual([0, 16, 2, 3, 9]);
    const pdY = put(Float32Array.of(10, 20, 30, 40, 50)), pdX = out(20);
    k.maxPool2dBackward(pdY, pA, 5, pdX, 20);
    const dX = get(pdX, 20);
    expect(Array.from(dX).filter((v) => v !== 0)).toEqual([10, 30, 40, 50, 20]);
    expect(dX[9]).toBe(50);
    expect(dX[14]).toBe(0);
  });
});

describe('batchnorm kernels', () => {
  const SHAPES: [number, number][] = [[1, 1], [7, 1], [5, 3], [130, 5], [67, 32], [200, 33], [3, 16], [129, 20], [50, 87], [9, 40], [0, 4]];

  it.each(SHAPES)('channelMeanVar and columnSum rows=%i C=%i', (rows, C) => {
    const r = rng(rows * 31 + C);
    const X = randn(r, rows * C, 3, 0.5);
    const mean = new Float64Array(C), vari = new Float64Array(C), absSum = new Float64Array(C);
    for (let i = 0; i < rows; i++) for (let c = 0; c < C; c++) { mean[c] += X[i * C + c]; absSum[c] += Math.abs(X[i * C + c]); }
    const colSum = Float64Array.from(mean);
    for (let c = 0; c < C; c++) mean[c] = rows ? mean[c] / rows : 0;
    for (let i = 0; i < rows; i++) for (let c = 0; c < C; c++) vari[c] += (X[i * C + c] - mean[c]) ** 2;
    for (let c = 0; c < C; c++) vari[c] = rows ? vari[c] / rows : 0;
    const pX = put(X), pM = out(C), pV = out(C), pS = out(C);
    k.channelMeanVar(pX, rows, C, pM, pV);
    k.columnSum(pX, rows, C, pS);
    for (let c = 0; c < C; c++) {
      expect(Math.abs(get(pM, C)[c] - mean[c])).toBeLessThanOrEqual(1e-6 * (absSum[c] / Math.max(rows, 1)) + 1e-30);
      expect(Math.abs(get(pS, C)[c] - colSum[c])).toBeLessThanOrEqual(1e-6 * absSum[c]);
    }
    expectClose(get(pV, C), vari, 0, 1e-5);
    for (const p of [pM, pV, pS]) expectGuards(p, C);
  });

  it('variance stays accurate when |mean| >> std (no E[x^2]-E[x]^2 cancellation)', () => {
    const rows = 100_000, C = 6;
    const r = rng(5);
    const X = new Float32Array(rows * C);
    for (let i = 0; i < X.length; i++) X[i] = 1000 + (i % C) + (r() * 2 - 1) * 0.01;
    const m = new Float64Array(C), v = new Float64Array(C);
    for (let i = 0; i < X.length; i++) m[i % C] += X[i] / rows;
    for (let i = 0; i < X.length; i++) v[i % C] += (X[i] - m[i % C]) ** 2 / rows;
    const pX = put(X), pM = out(C), pV = out(C);
    k.channelMeanVar(pX, rows, C, pM, pV);
    expectClose(get(pM, C), m, 0, 1e-7);
    expectClose(get(pV, C), v, 0, 1e-3);
  });

  it.each(SHAPES)('channelScaleShift rows=%i C=%i (exact, in place too)', (rows, C) => {
    const r = rng(rows + C * 1000);
    const X = randn(r, rows * C, 2), s = randn(r, C, 2), b = randn(r, C);
    const want = X.map((x, i) => Math.fround(Math.fround(x * s[i % C]) + b[i % C]));
    const pX = put(X), pS = put(s), pB = put(b), pY = out(X.length);
    k.channelScaleShift(pX, rows, C, pS, pB, pY);
    expect(get(pY, X.length)).toEqual(want);
    expectGuards(pY, X.length);
    k.channelScaleShift(pX, rows, C, pS, pB, pX);
    expect(get(pX, X.length)).toEqual(want);
  });

  it.each(SHAPES.filter(([rows]) => rows > 1))('batchNormBackward rows=%i C=%i', (rows, C) => {
    const r = rng(rows * 7 + C);
    const X = randn(r, rows * C, 2, 0.3), dY = randn(r, rows * C), gamma = randn(r, C, 1, 1.5);
    const mean = new Float32Array(C), invStd = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let m = 0, v = 0;
      for (let i = 0; i < rows; i++) m += X[i * C + c] / rows;
      for (let i = 0; i < rows; i++) v += (X[i * C + c] - m) ** 2 / rows;
      mean[c] = m;
      invStd[c] = 1 / Math.sqrt(v + 1e-3);
    }
    for (const useGamma of [true, false]) {
      const dBeta = new Float64Array(C), dGamma = new Float64Array(C), dX = new Float64Array(rows * C);
      const xhat = (i: number, c: number) => (X[i * C + c] - mean[c]) * invStd[c];
      for (let i = 0; i < rows; i++) for (let c = 0; c < C; c++) { dBeta[c] += dY[i * C + c]; dGamma[c] += dY[i * C + c] * xhat(i, c); }
      for (let i = 0; i < rows; i++) for (let c = 0; c < C; c++) {
        const g = useGamma ? gamma[c] : 1;
        dX[i * C + c] = (g * invStd[c] / rows) * (rows * dY[i * C + c] - dBeta[c] - xhat(i, c) * dGamma[c]);
      }
      const scale = Math.max(...Array.from(dX, Math.abs));
      const pdY = put(dY), pX = put(X), pM = put(mean), pI = put(invStd), pG = useGamma ? put(gamma) : 0;
      const pdX = out(rows * C), pdG = out(C), pdB = out(C);
      k.batchNormBackward(pdY, pX, rows, C, pM, pI, pG, pdX, pdG, pdB);
      expectClose(get(pdB, C), dBeta, 1e-6 * rows, 1e-6);
      expectClose(get(pdG, C), dGamma, 1e-6 * rows, 1e-6);
      expectClose(get(pdX, rows * C), dX, 2e-5 * scale, 1e-4);
      for (const [p, n] of [[pdX, rows * C], [pdG, C], [pdB, C]]) expectGuards(p, n);
      // dX may be dY itself.
      k.batchNormBackward(pdY, pX, rows, C, pM, pI, pG, pdY, pdG, pdB);
      expect(get(pdY, rows * C)).toEqual(get(pdX, rows * C));
    }
  });
});

describe('elementwise', () => {
  const SIZES = [0, 1, 3, 4, 5, 8, 17, 1003];
  const f = Math.fround;
  type Bin = 'add' | 'sub' | 'mul';
  const binRef: Record<Bin, (a: number, b: number) => number> = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b };

  it.each(SIZES)('exact element-wise ops, n=%i', (n) => {
    const r = rng(n + 1);
    const A = randn(r, n, 3), B = randn(r, n, 3);
    A[0] = n > 0 ? 0 : A[0]; // exercise x == 0 for relu masks
    if (n > 2) { A[1] = 1; A[2] = -1; } // boundaries of hardTanh's pass-through region
    const pA = put(A), pB = put(B);
    const check = (p: number, want: ArrayLike<number>) => { expect(get(p, n)).toEqual(Float32Array.from(want)); expectGuards(p, n); };
    for (const op of ['add', 'sub', 'mul'] as Bin[]) {
      const pY = out(n);
      k[op](pA, pB, n, pY);
      check(pY, A.map((a, i) => binRef[op](a, B[i])));
    }
    let pY = out(n);
    k.fill(pY, n, 2.5);
    check(pY, new Float32Array(n).fill(2.5));
    k.affine(pA, n, 1.7, -0.3, (pY = out(n)));
    check(pY, A.map((x) => f(f(x * f(1.7)) + f(-0.3))));
    const Y0 = randn(r, n);
    pY = put(Y0);
    k.axpy(n, 0.37, pA, pY);
    check(pY, Y0.map((y, i) => f(y + f(f(0.37) * A[i]))));
    k.relu(pA, n, (pY = out(n)));
    check(pY, A.map((x) => (x > 0 ? x : 0)));
    k.reluBackward(pA, pB, n, (pY = out(n)));
    check(pY, A.map((x, i) => (x > 0 ? B[i] : 0)));
    k.hardTanh(pA, n, (pY = out(n)));
    check(pY, A.map((x) => Math.min(1, Math.max(-1, x))));
    k.hardTanhBackward(pA, pB, n, (pY = out(n)));
    check(pY, A.map((x, i) => (Math.abs(x) <= 1 ? B[i] : 0)));
    // Outputs aliasing an input.
    const pA2 = put(A);
    k.add(pA2, pB, n, pA2);
    check(pA2, A.map((a, i) => a + B[i]));
    k.relu(pA2, n, pA2);
    check(pA2, A.map((a, i) => Math.max(0, f(a + B[i]))));
  });

  it('NaN: relu gives 0, hardTanh gives -1, in the vector body and the scalar tail', () => {
    const pX = put(Float32Array.of(NaN, 2, -2, 0.5, NaN)), pY = out(5);
    k.relu(pX, 5, pY);
    expect(Array.from(get(pY, 5))).toEqual([0, 2, 0, 0.5, 0]);
    k.hardTanh(pX, 5, pY);
    expect(Array.from(get(pY, 5))).toEqual([-1, 1, -1, 0.5, -1]);
  });

  it.each([[7, 3], [33, 5], [10, 32], [4, 33], [6, 1], [0, 3]])('biasAdd rows=%i C=%i', (rows, C) => {
    const r = rng(rows * C + 3);
    const X = randn(r, rows * C), b = randn(r, C);
    const pX = put(X), pb = put(b), pY = out(rows * C);
    k.biasAdd(pX, rows, C, pb, pY);
    expect(get(pY, rows * C)).toEqual(X.map((x, i) => x + b[i % C]));
    expectGuards(pY, rows * C);
  });

  it.each(SIZES)('sum and sumSquares, n=%i', (n) => {
    const X = randn(rng(n + 50), n, 10, 1);
    let s = 0, s2 = 0, a = 0;
    for (const x of X) { s += x; s2 += x * x; a += Math.abs(x); }
    const pX = put(X);
    expect(Math.abs(k.sum(pX, n) - s)).toBeLessThanOrEqual(1e-13 * a);
    expect(Math.abs(k.sumSquares(pX, n) - s2)).toBeLessThanOrEqual(1e-13 * s2);
  });

  it.each(SIZES)('adamUpdate against the Keras formulas, n=%i', (n) => {
    const r = rng(n + 77);
    // The kernel takes f32 hyperparameters; the formulas run in f64 on those values.
    const [lrT, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7].map(Math.fround);
    const P = randn(r, n), M = new Float64Array(n), V = new Float64Array(n), Pd = Float64Array.from(P);
    const pP = put(P), pM = put(new Float32Array(n)), pV = put(new Float32Array(n));
    for (let step = 0; step < 3; step++) {
      const G = randn(r, n, 2);
      for (let i = 0; i < n; i++) {
        M[i] = b1 * M[i] + (1 - b1) * G[i];
        V[i] = b2 * V[i] + (1 - b2) * G[i] * G[i];
        Pd[i] -= (lrT * M[i]) / (Math.sqrt(V[i]) + eps);
      }
      k.adamUpdate(pP, put(G), pM, pV, n, lrT, b1, b2, eps);
    }
    expectClose(get(pM, n), M, 1e-7, 1e-5);
    expectClose(get(pV, n), V, 1e-7, 1e-5);
    expectClose(get(pP, n), Pd, 1e-6, 1e-6);
    for (const p of [pP, pM, pV]) expectGuards(p, n);
  });

  it.each(SIZES.flatMap((n) => [[n, 0, 0], [n, 0.9, 0], [n, 0.9, 1]]))('sgdUpdate n=%i momentum=%f nesterov=%i', (n, mom, nest) => {
    const r = rng(n * 3 + nest);
    const lr = Math.fround(0.05);
    mom = Math.fround(mom);
    const P = randn(r, n), Pd = Float64Array.from(P), Vd = new Float64Array(n);
    const pP = put(P), pV = mom ? put(new Float32Array(n)) : 0;
    for (let step = 0; step < 3; step++) {
      const G = randn(r, n, 2);
      for (let i = 0; i < n; i++) {
        if (mom === 0) { Pd[i] -= lr * G[i]; continue; }
        Vd[i] = mom * Vd[i] - lr * G[i];
        Pd[i] += nest ? mom * Vd[i] - lr * G[i] : Vd[i];
      }
      k.sgdUpdate(pP, put(G), pV, n, lr, mom, nest);
    }
    expectClose(get(pP, n), Pd, 1e-6, 1e-6);
    if (mom) expectClose(get(pV, n), Vd, 1e-7, 1e-5);
    expectGuards(pP, n);
  });
});
