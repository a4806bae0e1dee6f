// Fast standard normal draws for noise on millions of activations per batch:
// the ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000) with
// 128 layers. Exact in distribution; about 98.8 % of draws cost one 32-bit
// random word, a table lookup and a multiply. The layer index and the value
// come from disjoint bits of the word (7 and 25 bits), avoiding the
// index/value correlation of the original SHR3 version (Doornik 2005).
import type { Rng } from '../tensor/random.js';
import { wasm } from '../wasm/module.js';
import { scratch, f32View, u32View, f64View } from '../wasm/memory.js';

const R = 3.442619855899; // start of the tail
const V = 9.91256303526217e-3; // area of each layer
const M = 2 ** 24; // scale of the signed 25-bit value

const kn = new Uint32Array(128);
const wn = new Float64Array(128);
const fn = new Float64Array(128);
(() => {
  let dn = R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * M);
  kn[1] = 0;
  wn[0] = q / M;
  wn[127] = dn / M;
  fn[0] = 1;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * M);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / M;
  }
})();

function uniformOpen(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return u;
}

function slow(rng: Rng, hz: number, iz: number): number {
  for (;;) {
    const x = hz * wn[iz];
    if (iz === 0) {
      let tx: number;
      let ty: number;
      do {
        tx = -Math.log(uniformOpen(rng)) / R;
        ty = -Math.log(uniformOpen(rng));
      } while (ty + ty < tx * tx);
      return hz > 0 ? R + tx : -R - tx;
    }
    if (fn[iz] + rng.uniform() * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
    const u = rng.nextU32();
    iz = u & 127;
    hz = (u >>> 7) - M;
    if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
  }
}

/** One N(0, 1) draw. */
export function gaussian(rng: Rng): number {
  const u = rng.nextU32();
  const iz = u & 127;
  const hz = (u >>> 7) - M;
  return Math.abs(hz) < kn[iz] ? hz * wn[iz] : slow(rng, hz, iz);
}

// The tables and the generator state, in linear memory for the kernel:
// kn u32[128] at 0, wn f64[128] at 512, state u32[5] at 1536.
const TABLE_BYTES = 1536 + 20;
let filled = -1;
function kernelTables(): number {
  const p = scratch(TABLE_BYTES, 'gaussian');
  if (p !== filled) {
    u32View(p, 128).set(kn);
    f64View(p + 512, 128).set(wn);
    filled = p;
  }
  return p;
}

/**
 * dst[i] = src[i] + std·N(0, 1) for n floats at the linear-memory addresses
 * src and dst (which may be equal): the same draws, in the same order, as
 * calling gaussian(rng) once per element; the fast path runs in WebAssembly
 * (assembly/gaussian.ts), the ~1 % of slow-path draws here.
 */
export function addGaussian(src: number, dst: number, n: number, std: number, rng: Rng): void {
  const k = wasm();
  const t = kernelTables();
  const state = u32View(t + 1536, 5);
  // Views made once: nothing allocates (or grows memory) inside this loop.
  const from = f32View(src, n), to = f32View(dst, n);
  rng.saveState(state);
  for (let i = k.addGaussianRun(src, dst, 0, n, std, t + 1536, t, t + 512); i < n;
    i = k.addGaussianRun(src, dst, i + 1, n, std, t + 1536, t, t + 512)) {
    const u = state[4];
    rng.loadState(state);
    to[i] = from[i] + std * slow(rng, (u >>> 7) - M, u & 127);
    rng.saveState(state);
  }
  rng.loadState(state);
}

/** Fills out with N(0, 1) draws. */
export function fillGaussian(out: Float32Array, rng: Rng): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = gaussian(rng);
  return out;
}
