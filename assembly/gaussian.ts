// The hot loop of additive Gaussian noise (src/hardware/gaussian.ts): the
// ziggurat's fast path with the xoshiro128** generator of src/tensor/random.ts,
// computed exactly as the JavaScript does (the same 32-bit words, the same
// float64 products and sums, rounded to float32 on the store), so a seed gives
// the same noise whichever side draws it. The rare draws that need the slow
// path (about 1.2 %: the wedges and the tail, which call exp and log) go back
// to JavaScript, so that those functions are V8's own.

/**
 * dst[i] = src[i] + std·z_i for i from `from` until the end (returns n) or
 * until a draw needs the slow path (returns its index i; its 32-bit word is
 * at state+16, dst[i] is not written). state: the generator's four u32
 * words, read and written back. kn: u32[128], wn: f64[128], the ziggurat tables.
 */
export function addGaussianRun(src: usize, dst: usize, from: i32, n: i32, std: f64,
  state: usize, kn: usize, wn: usize): i32 {
  let a = load<u32>(state), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  let i = from;
  for (; i < n; i++) {
    const u = rotl<u32>(b * 5, 7) * 9;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = rotl<u32>(d, 11);
    const iz = <usize>(u & 127);
    const hz = <i32>(u >>> 7) - (1 << 24);
    if (<u32>abs(hz) >= load<u32>(kn + (iz << 2))) {
      store<u32>(state, u, 16);
      break;
    }
    const z = <f64>hz * load<f64>(wn + (iz << 3));
    const p = <usize>i << 2;
    store<f32>(dst + p, <f32>(<f64>load<f32>(src + p) + std * z));
  }
  store<u32>(state, a); store<u32>(state, b, 4); store<u32>(state, c, 8); store<u32>(state, d, 12);
  return i;
}

/** Population standard deviation of x[0..n) with float64 sums in index order (as tensorStd in noise.ts). */
export function stdF64(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  const m = s / <f64>n;
  let ss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const e = <f64>load<f32>(x + (<usize>i << 2)) - m;
    ss += e * e;
  }
  return Math.sqrt(ss / <f64>n);
}
