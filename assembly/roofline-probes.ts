// Throughput probes for `npm run bench:roofline` (bench/roofline.ts), which
// compiles this file on its own: it is not part of the library's modules.
//
// Each probe runs n loop iterations of independent dependency chains (the
// statements repeat on purpose: one line per chain, chains interleaved so
// that the CPU can overlap them), long enough that the measured rate is the
// machine's throughput for that operation in V8's code, not its latency.
// Operands come from parameters so that nothing folds at compile time, and
// every probe returns a value that depends on every chain.

/** 16 dependent 64-bit adds per iteration: one per cycle, so the rate is the clock. */
export function addChain(n: i32, k: i64): i64 {
  let x: i64 = k;
  for (let i = 0; i < n; i++) {
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
    x += k;
  }
  return x;
}

/** f32x4.mul throughput: 12 chains x 2 per iteration. */
export function f32x4Mul(n: i32, k: f32): i64 {
  const kv = f32x4.splat(k);
  let c0: v128 = f32x4.splat(k + 0.0);
  let c1: v128 = f32x4.splat(k + 1.0);
  let c2: v128 = f32x4.splat(k + 2.0);
  let c3: v128 = f32x4.splat(k + 3.0);
  let c4: v128 = f32x4.splat(k + 4.0);
  let c5: v128 = f32x4.splat(k + 5.0);
  let c6: v128 = f32x4.splat(k + 6.0);
  let c7: v128 = f32x4.splat(k + 7.0);
  let c8: v128 = f32x4.splat(k + 8.0);
  let c9: v128 = f32x4.splat(k + 9.0);
  let c10: v128 = f32x4.splat(k + 10.0);
  let c11: v128 = f32x4.splat(k + 11.0);
  for (let i = 0; i < n; i++) {
    c0 = f32x4.mul(c0, kv);
    c1 = f32x4.mul(c1, kv);
    c2 = f32x4.mul(c2, kv);
    c3 = f32x4.mul(c3, kv);
    c4 = f32x4.mul(c4, kv);
    c5 = f32x4.mul(c5, kv);
    c6 = f32x4.mul(c6, kv);
    c7 = f32x4.mul(c7, kv);
    c8 = f32x4.mul(c8, kv);
    c9 = f32x4.mul(c9, kv);
    c10 = f32x4.mul(c10, kv);
    c11 = f32x4.mul(c11, kv);
    c0 = f32x4.mul(c0, kv);
    c1 = f32x4.mul(c1, kv);
    c2 = f32x4.mul(c2, kv);
    c3 = f32x4.mul(c3, kv);
    c4 = f32x4.mul(c4, kv);
    c5 = f32x4.mul(c5, kv);
    c6 = f32x4.mul(c6, kv);
    c7 = f32x4.mul(c7, kv);
    c8 = f32x4.mul(c8, kv);
    c9 = f32x4.mul(c9, kv);
    c10 = f32x4.mul(c10, kv);
    c11 = f32x4.mul(c11, kv);
  }
  return i64x2.extract_lane(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11), 0);
}

/** f32x4.add throughput: 12 chains x 2 per iteration. */
export function f32x4Add(n: i32, k: f32): i64 {
  const kv = f32x4.splat(k);
  let c0: v128 = f32x4.splat(k + 0.0);
  let c1: v128 = f32x4.splat(k + 1.0);
  let c2: v128 = f32x4.splat(k + 2.0);
  let c3: v128 = f32x4.splat(k + 3.0);
  let c4: v128 = f32x4.splat(k + 4.0);
  let c5: v128 = f32x4.splat(k + 5.0);
  let c6: v128 = f32x4.splat(k + 6.0);
  let c7: v128 = f32x4.splat(k + 7.0);
  let c8: v128 = f32x4.splat(k + 8.0);
  let c9: v128 = f32x4.splat(k + 9.0);
  let c10: v128 = f32x4.splat(k + 10.0);
  let c11: v128 = f32x4.splat(k + 11.0);
  for (let i = 0; i < n; i++) {
    c0 = f32x4.add(c0, kv);
    c1 = f32x4.add(c1, kv);
    c2 = f32x4.add(c2, kv);
    c3 = f32x4.add(c3, kv);
    c4 = f32x4.add(c4, kv);
    c5 = f32x4.add(c5, kv);
    c6 = f32x4.add(c6, kv);
    c7 = f32x4.add(c7, kv);
    c8 = f32x4.add(c8, kv);
    c9 = f32x4.add(c9, kv);
    c10 = f32x4.add(c10, kv);
    c11 = f32x4.add(c11, kv);
    c0 = f32x4.add(c0, kv);
    c1 = f32x4.add(c1, kv);
    c2 = f32x4.add(c2, kv);
    c3 = f32x4.add(c3, kv);
    c4 = f32x4.add(c4, kv);
    c5 = f32x4.add(c5, kv);
    c6 = f32x4.add(c6, kv);
    c7 = f32x4.add(c7, kv);
    c8 = f32x4.add(c8, kv);
    c9 = f32x4.add(c9, kv);
    c10 = f32x4.add(c10, kv);
    c11 = f32x4.add(c11, kv);
  }
  return i64x2.extract_lane(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11), 0);
}

/** v128.xor throughput (the logic ops of a carry-save adder run on the same pipes): 12 chains x 2 per iteration. */
export function v128Xor(n: i32, k: i64): i64 {
  const kv = i64x2.splat(k);
  let c0: v128 = i64x2.splat(k + 0);
  let c1: v128 = i64x2.splat(k + 1);
  let c2: v128 = i64x2.splat(k + 2);
  let c3: v128 = i64x2.splat(k + 3);
  let c4: v128 = i64x2.splat(k + 4);
  let c5: v128 = i64x2.splat(k + 5);
  let c6: v128 = i64x2.splat(k + 6);
  let c7: v128 = i64x2.splat(k + 7);
  let c8: v128 = i64x2.splat(k + 8);
  let c9: v128 = i64x2.splat(k + 9);
  let c10: v128 = i64x2.splat(k + 10);
  let c11: v128 = i64x2.splat(k + 11);
  for (let i = 0; i < n; i++) {
    c0 = v128.xor(c0, kv);
    c1 = v128.xor(c1, kv);
    c2 = v128.xor(c2, kv);
    c3 = v128.xor(c3, kv);
    c4 = v128.xor(c4, kv);
    c5 = v128.xor(c5, kv);
    c6 = v128.xor(c6, kv);
    c7 = v128.xor(c7, kv);
    c8 = v128.xor(c8, kv);
    c9 = v128.xor(c9, kv);
    c10 = v128.xor(c10, kv);
    c11 = v128.xor(c11, kv);
    c0 = v128.xor(c0, kv);
    c1 = v128.xor(c1, kv);
    c2 = v128.xor(c2, kv);
    c3 = v128.xor(c3, kv);
    c4 = v128.xor(c4, kv);
    c5 = v128.xor(c5, kv);
    c6 = v128.xor(c6, kv);
    c7 = v128.xor(c7, kv);
    c8 = v128.xor(c8, kv);
    c9 = v128.xor(c9, kv);
    c10 = v128.xor(c10, kv);
    c11 = v128.xor(c11, kv);
  }
  return i64x2.extract_lane(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11), 0);
}

/** an XOR, i8x16.popcnt and a byte add per 128 bits: 8 chains x 2 per iteration. */
export function i8x16XorPopcnt(n: i32, k: i64): i64 {
  const kv = i64x2.splat(k);
  let c0: v128 = i64x2.splat(k + 0);
  let c1: v128 = i64x2.splat(k + 1);
  let c2: v128 = i64x2.splat(k + 2);
  let c3: v128 = i64x2.splat(k + 3);
  let c4: v128 = i64x2.splat(k + 4);
  let c5: v128 = i64x2.splat(k + 5);
  let c6: v128 = i64x2.splat(k + 6);
  let c7: v128 = i64x2.splat(k + 7);
  for (let i = 0; i < n; i++) {
    c0 = i8x16.add(c0, i8x16.popcnt(v128.xor(c0, kv)));
    c1 = i8x16.add(c1, i8x16.popcnt(v128.xor(c1, kv)));
    c2 = i8x16.add(c2, i8x16.popcnt(v128.xor(c2, kv)));
    c3 = i8x16.add(c3, i8x16.popcnt(v128.xor(c3, kv)));
    c4 = i8x16.add(c4, i8x16.popcnt(v128.xor(c4, kv)));
    c5 = i8x16.add(c5, i8x16.popcnt(v128.xor(c5, kv)));
    c6 = i8x16.add(c6, i8x16.popcnt(v128.xor(c6, kv)));
    c7 = i8x16.add(c7, i8x16.popcnt(v128.xor(c7, kv)));
    c0 = i8x16.add(c0, i8x16.popcnt(v128.xor(c0, kv)));
    c1 = i8x16.add(c1, i8x16.popcnt(v128.xor(c1, kv)));
    c2 = i8x16.add(c2, i8x16.popcnt(v128.xor(c2, kv)));
    c3 = i8x16.add(c3, i8x16.popcnt(v128.xor(c3, kv)));
    c4 = i8x16.add(c4, i8x16.popcnt(v128.xor(c4, kv)));
    c5 = i8x16.add(c5, i8x16.popcnt(v128.xor(c5, kv)));
    c6 = i8x16.add(c6, i8x16.popcnt(v128.xor(c6, kv)));
    c7 = i8x16.add(c7, i8x16.popcnt(v128.xor(c7, kv)));
  }
  return i64x2.extract_lane(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(c0, c1), c2), c3), c4), c5), c6), c7), 0);
}

/** scalar 64-bit XOR throughput: 8 chains x 2 per iteration. */
export function i64Xor(n: i32, k: i64): i64 {
  let c0: i64 = k + 0;
  let c1: i64 = k + 1;
  let c2: i64 = k + 2;
  let c3: i64 = k + 3;
  let c4: i64 = k + 4;
  let c5: i64 = k + 5;
  let c6: i64 = k + 6;
  let c7: i64 = k + 7;
  for (let i = 0; i < n; i++) {
    c0 ^= k;
    c1 ^= k;
    c2 ^= k;
    c3 ^= k;
    c4 ^= k;
    c5 ^= k;
    c6 ^= k;
    c7 ^= k;
    c0 ^= k;
    c1 ^= k;
    c2 ^= k;
    c3 ^= k;
    c4 ^= k;
    c5 ^= k;
    c6 ^= k;
    c7 ^= k;
  }
  return c0 ^ c1 ^ c2 ^ c3 ^ c4 ^ c5 ^ c6 ^ c7;
}

/** an XOR, popcnt and add per 64 bits (the scalar kernels' inner step): 8 chains x 2 per iteration. */
export function i64XorPopcnt(n: i32, k: i64): i64 {
  let c0: i64 = k + 0;
  let c1: i64 = k + 1;
  let c2: i64 = k + 2;
  let c3: i64 = k + 3;
  let c4: i64 = k + 4;
  let c5: i64 = k + 5;
  let c6: i64 = k + 6;
  let c7: i64 = k + 7;
  for (let i = 0; i < n; i++) {
    c0 += popcnt<i64>(c0 ^ k);
    c1 += popcnt<i64>(c1 ^ k);
    c2 += popcnt<i64>(c2 ^ k);
    c3 += popcnt<i64>(c3 ^ k);
    c4 += popcnt<i64>(c4 ^ k);
    c5 += popcnt<i64>(c5 ^ k);
    c6 += popcnt<i64>(c6 ^ k);
    c7 += popcnt<i64>(c7 ^ k);
    c0 += popcnt<i64>(c0 ^ k);
    c1 += popcnt<i64>(c1 ^ k);
    c2 += popcnt<i64>(c2 ^ k);
    c3 += popcnt<i64>(c3 ^ k);
    c4 += popcnt<i64>(c4 ^ k);
    c5 += popcnt<i64>(c5 ^ k);
    c6 += popcnt<i64>(c6 ^ k);
    c7 += popcnt<i64>(c7 ^ k);
  }
  return c0 ^ c1 ^ c2 ^ c3 ^ c4 ^ c5 ^ c6 ^ c7;
}

/**
 * 16-byte loads from L1 (a 16 KiB window) each added into a byte accumulator:
 * the step of a lookup-table kernel, which adds precomputed partial sums
 * instead of counting bits. 6 chains x 2 per iteration (with more, V8 runs out
 * of vector registers: it loads everything at the top of the loop).
 */
export function i8x16LoadAdd(n: i32, p: usize): i64 {
  let c0: v128 = i64x2.splat(0);
  let c1: v128 = i64x2.splat(1);
  let c2: v128 = i64x2.splat(2);
  let c3: v128 = i64x2.splat(3);
  let c4: v128 = i64x2.splat(4);
  let c5: v128 = i64x2.splat(5);
  for (let i = 0; i < n; i++) {
    const q = p + (<usize>(i & 63) << 7);
    c0 = i8x16.add(c0, v128.load(q, 0));
    c1 = i8x16.add(c1, v128.load(q, 16));
    c2 = i8x16.add(c2, v128.load(q, 32));
    c3 = i8x16.add(c3, v128.load(q, 48));
    c4 = i8x16.add(c4, v128.load(q, 64));
    c5 = i8x16.add(c5, v128.load(q, 80));
    c0 = i8x16.add(c0, v128.load(q, 8192));
    c1 = i8x16.add(c1, v128.load(q, 8208));
    c2 = i8x16.add(c2, v128.load(q, 8224));
    c3 = i8x16.add(c3, v128.load(q, 8240));
    c4 = i8x16.add(c4, v128.load(q, 8256));
    c5 = i8x16.add(c5, v128.load(q, 8272));
  }
  return i64x2.extract_lane(v128.xor(v128.xor(v128.xor(v128.xor(v128.xor(c0, c1), c2), c3), c4), c5), 0);
}
