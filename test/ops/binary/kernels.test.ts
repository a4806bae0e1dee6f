// Bit-exactness of the XNOR-popcount kernels against naive references written
// here: binarize the float operands with Larq's sign (x < 0 -> -1, else +1),
// convolve / multiply in plain JS numbers with Keras' padding rules, compare
// integer-equal. Every case runs on the three kernel paths and on 'auto'
// (the path tuned on this CPU for the case's shape class, see tune.ts).
import { describe, it, expect } from 'vitest';
import { Rng } from '../../../src/tensor/random.js';
import { wasm } from '../../../src/wasm/module.js';
import { alloc, free, f32View, i32View, u8View } from '../../../src/wasm/memory.js';
import {
  packActivations, packRows, packWeights, allocPacked, unpackActivations, binaryConv2d, binaryDense, samePad,
  thresholdsFromAffine, foldBatchNorm, NO_PAD, type KernelPath, type BinaryOutput, type Pad,
} from '../../../src/ops/binary/index.js';

const PATHS: KernelPath[] = ['scalar', 'v128', 'hybrid', 'csa', 'auto'];
const sgn = (v: number) => (v < 0 ? -1 : 1);

// Values with exact zeros and negative zeros mixed in: sign(±0) must be +1.
function randomValues(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.uniform();
    a[i] = r < 0.03 ? 0 : r < 0.06 ? -0 : rng.uniform() * 2 - 1;
  }
  return a;
}

function put(a: Float32Array | Int32Array): number {
  const p = alloc(a.length * 4);
  if (a instanceof Float32Array) f32View(p, a.length).set(a);
  else i32View(p, a.length).set(a);
  return p;
}

interface ConvCase { N: number; H: number; W: number; C: number; OC: number; K: number; S: number; same: boolean; padValue: 0 | 1 }

function geometry(size: number, k: number, s: number, same: boolean): [number, number, number] {
  if (!same) return [Math.floor((size - k) / s) + 1, 0, 0];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
}

// Float conv of the binarized input, padded cells holding padValue (0 or +1).
function referenceConv(c: ConvCase, x: Float32Array, w: Float32Array): { dot: Int32Array; OH: number; OW: number; pad: Pad } {
  const [OH, PT, PB] = geometry(c.H, c.K, c.S, c.same);
  const [OW, PL, PR] = geometry(c.W, c.K, c.S, c.same);
  const dot = new Int32Array(c.N * OH * OW * c.OC);
  for (let n = 0; n < c.N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    for (let o = 0; o < c.OC; o++) {
      let s = 0;
      for (let kh = 0; kh < c.K; kh++) for (let kw = 0; kw < c.K; kw++) {
        const iy = oy * c.S - PT + kh, ix = ox * c.S - PL + kw;
        const inside = iy >= 0 && iy < c.H && ix >= 0 && ix < c.W;
        for (let ci = 0; ci < c.C; ci++) {
          const xv = inside ? sgn(x[((n * c.H + iy) * c.W + ix) * c.C + ci]) : c.padValue;
          s += xv * sgn(w[((kh * c.K + kw) * c.C + ci) * c.OC + o]);
        }
      }
      dot[((n * OH + oy) * OW + ox) * c.OC + o] = s;
    }
  }
  return { dot, OH, OW, pad: { top: PT, bottom: PB, left: PL, right: PR } };
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && a[i] !== b[i]) return `at ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

// Bits of a [pixels, OC] packed output as 0/1 per channel.
function readBits(ptr: number, pixels: number, OC: number): Uint8Array {
  const words = Math.ceil(OC / 64);
  const bytes = u8View(ptr, pixels * words * 8);
  const out = new Uint8Array(pixels * OC);
  for (let p = 0; p < pixels; p++) for (let o = 0; o < OC; o++) out[p * OC + o] = (bytes[p * words * 8 + (o >> 3)] >> (o & 7)) & 1;
  return out;
}

describe('module surface', () => {
  it('exports every function of the BinaryKernels interface', () => {
    const names = ['bitpackNHWC', 'bitunpackNHWC', 'bitpackWeightsBytes', 'bitpackWeightsWorkspaceBytes', 'bitpackWeights', 'bgemmWorkspaceBytes', 'bgemm',
      'bconv2dWorkspaceBytes', 'bconv2d', 'bmaxpool2d', 'bserialGemmWorkspaceBytes', 'bserialGemm',
      'bserialConv2dWorkspaceBytes', 'bserialConv2d'];
    const k = wasm() as unknown as Record<string, unknown>;
    expect(names.filter((n) => typeof k[n] !== 'function')).toEqual([]);
  });
});

describe('bit packing', () => {
  it('packs signs LSB-first with zero padding bits and zero borders, and unpacks back', () => {
    const rng = new Rng(11);
    for (const C of [1, 3, 63, 64, 65, 130]) {
      const N = 2, H = 3, W = 5;
      const x = randomValues(rng, N * H * W * C);
      const xp = put(x);
      const pad = { top: 1, bottom: 2, left: 2, right: 1 };
      const p = packActivations(xp, [N, H, W, C], { pad });
      const CW = Math.ceil(C / 64), Hp = H + 3, Wp = W + 3;
      const bytes = u8View(p.ptr, p.bytes);
      for (let n = 0; n < N; n++) for (let y = 0; y < Hp; y++) for (let xx = 0; xx < Wp; xx++) {
        const inside = y >= 1 && y < 1 + H && xx >= 2 && xx < 2 + W;
        for (let bit = 0; bit < CW * 64; bit++) {
          const v = (bytes[((n * Hp + y) * Wp + xx) * CW * 8 + (bit >> 3)] >> (bit & 7)) & 1;
          const want = inside && bit < C ? (x[((n * H + y - 1) * W + xx - 2) * C + bit] < 0 ? 1 : 0) : 0;
          if (v !== want) throw new Error(`C=${C} n=${n} y=${y} x=${xx} bit=${bit}: ${v} != ${want}`);
        }
      }
      const plain = packActivations(xp, [N, H, W, C]);
      const back = alloc(x.length * 4);
      unpackActivations(plain, back);
      expect(firstMismatch(f32View(back, x.length), Array.from(x, sgn))).toBeNull();
      [p, plain].forEach((q) => q.dispose());
      free(xp); free(back);
    }
  });
});

describe('binary conv2d', () => {
  const cases: ConvCase[] = [
    { N: 1, H: 7, W: 7, C: 1, OC: 3, K: 3, S: 1, same: true, padValue: 0 },
    { N: 2, H: 9, W: 7, C: 3, OC: 5, K: 3, S: 2, same: true, padValue: 0 },
    { N: 1, H: 9, W: 9, C: 63, OC: 8, K: 5, S: 1, same: true, padValue: 1 },
    { N: 1, H: 8, W: 11, C: 65, OC: 6, K: 5, S: 2, same: true, padValue: 0 },
    { N: 1, H: 6, W: 6, C: 130, OC: 9, K: 1, S: 1, same: false, padValue: 0 },
    { N: 1, H: 10, W: 9, C: 64, OC: 4, K: 3, S: 2, same: false, padValue: 0 },
    { N: 2, H: 5, W: 5, C: 64, OC: 66, K: 3, S: 1, same: true, padValue: 1 },
    { N: 1, H: 4, W: 3, C: 3, OC: 2, K: 5, S: 1, same: true, padValue: 0 },
    { N: 1, H: 13, W: 7, C: 130, OC: 7, K: 3, S: 2, same: true, padValue: 1 },
    { N: 3, H: 5, W: 5, C: 65, OC: 1, K: 1, S: 2, same: true, padValue: 0 },
    // more channel blocks than one chunk of the scalar path (btiles.ts), with
    // odd segments (panels repacked per chunk) and with even ones (used in place)
    { N: 1, H: 5, W: 4, C: 64, OC: 330, K: 3, S: 1, same: true, padValue: 0 },
    { N: 1, H: 4, W: 5, C: 128, OC: 182, K: 3, S: 2, same: true, padValue: 1 },
  ];
  for (const c of cases) {
    const name = `N${c.N} ${c.H}x${c.W}x${c.C}->${c.OC} k${c.K} s${c.S} ${c.same ? 'same' : 'valid'} pad_values=${c.padValue}`;
    it(`int output equals the float reference: ${name}`, () => {
      const rng = new Rng(c.H * 1000 + c.C * 10 + c.OC);
      const x = randomValues(rng, c.N * c.H * c.W * c.C), w = randomValues(rng, c.K * c.K * c.C * c.OC);
      const ref = referenceConv(c, x, w);
      const xp = put(x), wp = put(w);
      const xb = packActivations(xp, [c.N, c.H, c.W, c.C], { pad: c.same ? ref.pad : NO_PAD });
      const wb = packWeights(wp, [c.K, c.K, c.C, c.OC]);
      expect(c.same ? samePad(c.H, c.W, c.K, c.K, c.S) : NO_PAD).toEqual(ref.pad);
      for (const path of PATHS) {
        const r = binaryConv2d(xb, wb, { strides: c.S, padValue: c.padValue, path });
        expect(r.shape).toEqual([c.N, ref.OH, ref.OW, c.OC]);
        expect(firstMismatch(i32View(r.ptr, ref.dot.length), ref.dot), path).toBeNull();
        free(r.ptr);
      }
      xb.dispose(); wb.dispose(); free(xp); free(wp);
    });
  }

  // C = 65: 18-word rows, one pixel per micro-kernel call; C = 64: 9-word
  // rows, two pixels per call with a float output converted after each row
  // of pairs (70 channels: four 16-channel lines, a block of 4 and one of 2)
  for (const C of [65, 64]) it(`float and threshold outputs (negative, zero and positive scales) match y = dot*scale + bias, C=${C}`, () => {
    const c: ConvCase = { N: 2, H: 7, W: 9, C, OC: 70, K: 3, S: 1, same: true, padValue: 0 };
    const rng = new Rng(5 + C);
    const x = randomValues(rng, c.N * c.H * c.W * c.C), w = randomValues(rng, 9 * c.C * c.OC);
    const ref = referenceConv(c, x, w);
    const scale = new Float32Array(c.OC).map((_, i) => (i % 5 === 0 ? -1 : 1) * (i % 7 === 3 ? 0 : 0.01 + rng.uniform()));
    // biases landing exactly on achievable dots make ties (y == 0 -> +1 -> bit 0) happen
    const bias = new Float32Array(c.OC).map((_, i) => (i % 3 === 0 ? -scale[i] * (2 * rng.int(20) - 20) : rng.uniform() * 20 - 10));
    const yRef = Float32Array.from(ref.dot, (d, i) => Math.fround(Math.fround(d * scale[i % c.OC]) + bias[i % c.OC]));
    const { thresholds, flip } = thresholdsFromAffine(scale, bias, 9 * c.C);
    const sp = put(scale), bp = put(bias), tp = put(thresholds), fp = put(flip);
    const xp = put(x), wp = put(w);
    const xb = packActivations(xp, [c.N, c.H, c.W, c.C], { pad: ref.pad });
    const wb = packWeights(wp, [3, 3, c.C, c.OC]);
    const pixels = c.N * ref.OH * ref.OW;
    for (const path of PATHS) {
      const f = binaryConv2d(xb, wb, { padValue: 0, output: { kind: 'float', scale: sp, bias: bp }, path });
      expect(firstMismatch(f32View(f.ptr, yRef.length), yRef), path).toBeNull();
      const b = binaryConv2d(xb, wb, { padValue: 0, output: { kind: 'bits', thresholds: tp, flip: fp }, path });
      expect(firstMismatch(readBits(b.ptr, pixels, c.OC), Array.from(yRef, (y) => (y < 0 ? 1 : 0))), path).toBeNull();
      // channels 70..127 of the second word stay 0
      const bytes = u8View(b.ptr, pixels * 16);
      let stray = 0;
      for (let p = 0; p < pixels; p++) for (let i = 8; i < 16; i++) stray |= i === 8 ? bytes[p * 16 + i] & 0xc0 : bytes[p * 16 + i];
      expect(stray).toBe(0);
      free(f.ptr); free(b.ptr);
    }
    [xb, wb].forEach((q) => q.dispose());
    [sp, bp, tp, fp, xp, wp].forEach(free);
  });

  it('bit output written into the next layer\'s padded buffer chains into a second conv', () => {
    const rng = new Rng(9);
    const N = 1, H = 6, W = 5, C = 3, OC = 65;
    const x = randomValues(rng, N * H * W * C), w1 = randomValues(rng, 9 * C * OC), w2 = randomValues(rng, 9 * OC * 4);
    const r1 = referenceConv({ N, H, W, C, OC, K: 3, S: 1, same: true, padValue: 1 }, x, w1);
    const mid = Float32Array.from(r1.dot, (d) => (d < 0 ? -1 : 1)); // threshold 0: bit = dot < 0
    const r2 = referenceConv({ N, H, W, C: OC, OC: 4, K: 3, S: 1, same: true, padValue: 0 }, mid, w2);
    const xp = put(x), w1p = put(w1), w2p = put(w2), tp = put(new Int32Array(OC));
    const xb = packActivations(xp, [N, H, W, C], { pad: r1.pad });
    const next = allocPacked(N, H, W, OC, r2.pad);
    binaryConv2d(xb, packWeights(w1p, [3, 3, C, OC]), { padValue: 1, output: { kind: 'bits', thresholds: tp }, into: next });
    const out = binaryConv2d(next, packWeights(w2p, [3, 3, OC, 4]), { padValue: 0 });
    expect(firstMismatch(i32View(out.ptr, r2.dot.length), r2.dot)).toBeNull();
  });
});

describe('output transform helpers', () => {
  it('foldBatchNorm matches BatchNorm applied after the bias', () => {
    const gamma = [1.5, -0.5, 0], beta = [0.1, 0.2, -0.3], mean = [2, -1, 0.5], variance = [4, 0.25, 1], bias = [1, 0, -2];
    const { scale, shift } = foldBatchNorm({ gamma, beta, mean, variance, epsilon: 1e-3 }, bias);
    for (const x of [-7, 0, 3]) {
      for (let c = 0; c < 3; c++) {
        const bn = (gamma[c] * (x + bias[c] - mean[c])) / Math.sqrt(variance[c] + 1e-3) + beta[c];
        expect(x * scale[c] + shift[c]).toBeCloseTo(bn, 5);
      }
    }
  });
});

describe('binary dense', () => {
  // 7 x 8193 x 1030 spans three channel chunks of the tile loop; K of 1 to
  // 17 words takes every remainder of the scalar micro-kernel's four-word step
  const short = Array.from({ length: 17 }, (_, i) => [5, 64 * (i + 1) - 5, 13]);
  for (const [M, K, N] of [[1, 1, 1], [5, 63, 7], [7, 65, 13], [64, 1023, 33], [3, 130, 64], [11, 4097, 9], [7, 8193, 1030], ...short]) {
    it(`M=${M} K=${K} N=${N} (odd K) equals the float reference, int and float output`, () => {
      const rng = new Rng(M * 7 + K * 3 + N);
      const x = randomValues(rng, M * K), w = randomValues(rng, K * N);
      const want = new Int32Array(M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += sgn(x[m * K + k]) * sgn(w[k * N + n]);
        want[m * N + n] = s;
      }
      const scale = new Float32Array(N).map(() => rng.uniform() - 0.5);
      const sp = put(scale), xp = put(x), wp = put(w);
      const xb = packRows(xp, M, K), wb = packWeights(wp, [K, N]);
      for (const path of PATHS) {
        const r = binaryDense(xb, wb, { path });
        expect(firstMismatch(i32View(r.ptr, M * N), want), path).toBeNull();
        const output: BinaryOutput = { kind: 'float', scale: sp };
        const f = binaryDense(xb, wb, { path, output });
        expect(firstMismatch(f32View(f.ptr, M * N), Array.from(want, (d, i) => Math.fround(d * scale[i % N])))).toBeNull();
        free(r.ptr); free(f.ptr);
      }
      xb.dispose(); wb.dispose(); [sp, xp, wp].forEach(free);
    });
  }
});
